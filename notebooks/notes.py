"""Writes the Zeppelin notes of notebooks/ (.zpln) from the paragraphs below.

    python3 notebooks/notes.py notebooks

The .zpln files are what Zeppelin imports and what NotebooksIT runs; edit the paragraphs here and
regenerate rather than editing the JSON by hand.
"""
import json, hashlib, sys
OUT = sys.argv[1] if len(sys.argv) > 1 else "notebooks"
STAMP = "2026-12-06 00:00:00.000"

def pid(note, i):
    h = int(hashlib.sha1(f"{note}-{i}".encode()).hexdigest()[:8], 16)
    return f"paragraph_17650000{i:05d}_{h}"

LANG = {"md": ("markdown", "ace/mode/markdown"), "sh": ("sh", "ace/mode/sh"),
        "spark": ("scala", "ace/mode/scala"), "spark.sql": ("sql", "ace/mode/sql")}

def graph(mode, keys, values, groups=()):
    def cols(names, start):
        return [{"name": n, "index": float(start + i), "aggr": "sum"} for i, n in enumerate(names)]
    g = {"mode": mode, "height": 300.0, "optionOpen": False,
         "setting": {mode: {"rotate": {"degree": "-45"}, "xLabelStatus": "default"}} if mode != "table" else {},
         "commonSetting": {},
         "keys": cols(keys, 0), "groups": cols(groups, len(keys)), "values": cols(values, len(keys) + len(groups))}
    if mode == "multiBarChart":
        g["setting"][mode]["stacked"] = False
    return {"0": {"graph": g, "helium": {}}}

def para(note, i, title, interp, body, results=None, width=12.0, hide_editor=False):
    lang, mode = LANG[interp]
    cfg = {"editorSetting": {"language": lang, "editOnDblClick": interp == "md", "completionKey": "TAB",
                             "completionSupport": interp != "md"},
           "colWidth": width, "editorMode": mode, "fontSize": 9.0, "title": bool(title),
           "results": results or {}, "enabled": True}
    if hide_editor:
        cfg["editorHide"] = True
    return {"title": title, "text": f"%{interp}\n{body.strip()}\n", "user": "anonymous", "dateUpdated": STAMP,
            "progress": 0, "config": cfg, "settings": {"params": {}, "forms": {}}, "apps": [], "runtimeInfos": {},
            "progressUpdateIntervalMs": 500, "jobName": pid(note, i), "id": pid(note, i), "dateCreated": STAMP,
            "status": "READY"}

def note(name, nid, paras):
    ps = [para(name, i, *p[:3], **(p[3] if len(p) > 3 else {})) for i, p in enumerate(paras)]
    return {"paragraphs": ps, "name": name, "id": nid, "defaultInterpreterGroup": "spark", "version": "0.11.2",
            "noteParams": {}, "noteForms": {}, "angularObjects": {}, "config": {"isZeppelinNotebookCronEnable": False},
            "info": {}, "path": f"/Step-DPO/{name}"}

def config(env, intro, values):
    lines = "\n".join(values)
    return ("Configuration (run this first)", "sh", f"""
# {intro}
# Edit the values below, then run this paragraph: the other paragraphs of this note read them from
# {env}. STEPDPO_HOME is a checkout built with `mvn -B package -DskipTests` (it holds
# target/stepdpo.jar, target/lib/, jobs/ and data/), or /opt/stepdpo in the project's Docker image.
# RUNS must be a plain path (no $VARIABLES): the %spark paragraphs read it too (/work/runs is the
# shared volume of docker/compose.yaml). MASTER is the Spark master the jobs are submitted to:
# local[*], or spark://spark-master:7077 in the compose cluster. SUBMIT_CONF: more spark-submit
# flags, e.g. "--conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=1".
cat > {env} <<'EOF'
STEPDPO_HOME=/opt/stepdpo
RUNS=/work/runs
MASTER=local[*]
SUBMIT_CONF=""
{lines}
EOF
cat {env}
""")

def load_env(env, submit=True):
    if not submit:
        return f"set -a; . {env}; set +a\nmkdir -p \"$RUNS\""
    return f"""set -a; . {env}; set +a
mkdir -p "$RUNS"
submit() {{ "$STEPDPO_HOME/jobs/spark-submit" --master "$MASTER" --driver-memory 4g $SUBMIT_CONF "$@"; }}"""

def run_job(log, cmd):
    return f"""{cmd} > "{log}" 2>&1 || {{ tail -n 40 "{log}"; exit 1; }}
tail -n 3 "{log}\""""

def scala_env(env):
    return f"""// the configuration paragraph's values
val env = scala.io.Source.fromFile("{env}").getLines().map(_.trim)
  .filter(l => l.contains("=") && !l.startsWith("#"))
  .map {{ l => val i = l.indexOf('='); l.take(i) -> l.drop(i + 1) }}.toMap
val runs = env("RUNS")"""

def show_png(files, env):
    imgs = " ".join(files)
    return f"""set -a; . {env}; set +a
# the PNG plots the jobs wrote, shown inline
printf '%%html\n'
for png in {imgs}; do
  printf '<p><b>%s</b></p><img style="max-width:100%%" src="data:image/png;base64,%s"/>' "$png" "$(base64 -w0 "$png")"
done"""

SH_TIMEOUT = ("Zeppelin's `sh` interpreter stops a command after `shell.command.timeout.millisecs` "
              "(60 s by default): raise it (e.g. to 3600000) under *Interpreter → sh* before running the jobs.")

# ---------------------------------------------------------------- Quick start
E = "/tmp/stepdpo-quickstart.env"
qs = note("1. Quick start", "2SDPOQSTA", [
    ("", "md", f"""
# Step-DPO quick start
The whole loop on the embedded default (the synthetic arithmetic task and the 3.6M-parameter model
`arith-tiny`): **EvalJob** on held-out problems (before), **BuildPairsJob** (sample, find the first
wrong step by rollouts, correct it from the right prefix), **TrainStepDpoJob** on the pairs, and
EvalJob again (after). With the default sizes it takes about 5 minutes on 2 cores.

{SH_TIMEOUT}""", {"hide_editor": True}),
    config(E, "Quick start settings.", ["EVAL_PROBLEMS=300", "PAIR_PROBLEMS=200"]),
    ("Run the loop (jobs/quickstart)", "sh", load_env(E, False) + "\n" + run_job("$RUNS/quickstart.log",
        '"$STEPDPO_HOME/jobs/quickstart" --out "$RUNS/quickstart" --master "$MASTER" \\\n'
        '  --eval-problems "$EVAL_PROBLEMS" --pair-problems "$PAIR_PROBLEMS"').replace('tail -n 3 "$RUNS/quickstart.log"', 'tail -n 12 "$RUNS/quickstart.log"')),
    ("Register the outputs as tables", "spark", scala_env(E) + """
val qs = s"$runs/quickstart"
spark.read.parquet(s"$qs/eval-before/samples.parquet").createOrReplaceTempView("qs_before")
spark.read.parquet(s"$qs/eval-after/samples.parquet").createOrReplaceTempView("qs_after")
spark.read.parquet(s"$qs/pairs/pairs.parquet").createOrReplaceTempView("qs_pairs")
spark.read.json(s"$qs/train/metrics.jsonl").createOrReplaceTempView("qs_metrics")
println(s"before: ${spark.table("qs_before").count()} problems, pairs: ${spark.table("qs_pairs").count()}, " +
  s"training steps: ${spark.table("qs_metrics").count()}")"""),
    ("Accuracy before and after, overall and by number of steps", "spark.sql", """
SELECT 'all' AS steps, count(*) AS problems,
       round(100 * avg(CAST(b.correct AS INT)), 1) AS before_pct,
       round(100 * avg(CAST(a.correct AS INT)), 1) AS after_pct
FROM qs_before b JOIN qs_after a ON a.idx = b.idx
UNION ALL
SELECT b.level, count(*),
       round(100 * avg(CAST(b.correct AS INT)), 1),
       round(100 * avg(CAST(a.correct AS INT)), 1)
FROM qs_before b JOIN qs_after a ON a.idx = b.idx
GROUP BY b.level
ORDER BY steps""", {"results": graph("multiBarChart", ["steps"], ["before_pct", "after_pct"])}),
    ("Problems that changed", "spark.sql", """
SELECT CASE WHEN b.correct AND a.correct THEN 'right before and after'
            WHEN a.correct THEN 'fixed by training'
            WHEN b.correct THEN 'broken by training'
            ELSE 'wrong before and after' END AS outcome,
       count(*) AS problems
FROM qs_before b JOIN qs_after a ON a.idx = b.idx
GROUP BY 1 ORDER BY 1""", {"results": graph("multiBarChart", ["outcome"], ["problems"]), "width": 6.0}),
    ("Training: loss and reward margin by step", "spark.sql", """
SELECT step, loss, rewards_margin, rewards_accuracy
FROM qs_metrics ORDER BY step""", {"results": graph("lineChart", ["step"], ["loss", "rewards_margin"]), "width": 6.0}),
    ("The plots the jobs wrote", "sh", show_png(['"$RUNS/quickstart/report.png"', '"$RUNS/quickstart/pairs/stats.png"',
                                                 '"$RUNS/quickstart/train/metrics.png"'], E)),
])

# ---------------------------------------------------------------- Evaluate a model
E = "/tmp/stepdpo-eval.env"
ev = note("2. Evaluate a model", "2SDPOEVAL", [
    ("", "md", f"""
# Evaluate a model with EvalJob
Generates a solution per problem with each of two models (A and B), grades them against the gold
answers, and compares: accuracy overall, by subject or family (`type`) and by level, and the
problems whose result flipped. By default A is the embedded model `arith-tiny` and B the model the
*Quick start* note trained; any Hugging Face model directory works (see the README for the prompt
templates of Qwen2.5 and DeepSeekMath), as do MATH and GSM8K test files in the seed's format.

{SH_TIMEOUT}""", {"hide_editor": True}),
    config(E, "Evaluation settings: the data, how many of its problems, the two models.", [
        "DATA=$STEPDPO_HOME/data/synthetic/test.jsonl",
        "EVAL_PROBLEMS=300",
        "MODEL_A=$STEPDPO_HOME/data/models/arith-tiny",
        "MODEL_B=$RUNS/quickstart/train/model",
        "EVAL_ARGS=\"--max-new-tokens 256 --batch-size 16\""]),
    ("EvalJob: model A", "sh", load_env(E) + """
head -n "$EVAL_PROBLEMS" "$DATA" > "$RUNS/eval-problems.jsonl"
""" + run_job("$RUNS/eval-a.log", 'submit --class EvalJob "$STEPDPO_HOME/target/stepdpo.jar" --data "$RUNS/eval-problems.jsonl" \\\n'
              '  --model "$MODEL_A" --out "$RUNS/eval-a" --overwrite $EVAL_ARGS')),
    ("EvalJob: model B", "sh", load_env(E) + "\n" + run_job("$RUNS/eval-b.log",
        'submit --class EvalJob "$STEPDPO_HOME/target/stepdpo.jar" --data "$RUNS/eval-problems.jsonl" \\\n'
        '  --model "$MODEL_B" --out "$RUNS/eval-b" --overwrite $EVAL_ARGS')),
    ("Register the samples as tables", "spark", scala_env(E) + """
import org.apache.spark.sql.functions.lit
val a = spark.read.parquet(s"$runs/eval-a/samples.parquet")
val b = spark.read.parquet(s"$runs/eval-b/samples.parquet")
a.createOrReplaceTempView("eval_a")
b.createOrReplaceTempView("eval_b")
a.withColumn("run", lit("A")).unionByName(b.withColumn("run", lit("B"))).createOrReplaceTempView("eval_runs")
println(s"A: ${a.count()} samples, B: ${b.count()} samples")"""),
    ("Accuracy overall", "spark.sql", """
SELECT run, count(*) AS problems, sum(CAST(correct AS INT)) AS correct,
       round(100 * avg(CAST(correct AS INT)), 1) AS accuracy_pct
FROM eval_runs GROUP BY run ORDER BY run""", {"results": graph("multiBarChart", ["run"], ["accuracy_pct"]), "width": 4.0}),
    ("Accuracy by type (MATH subject, GSM8K, or synthetic family)", "spark.sql", """
SELECT type, run, round(100 * avg(CAST(correct AS INT)), 1) AS accuracy_pct, count(*) AS problems
FROM eval_runs GROUP BY type, run ORDER BY type, run""",
     {"results": graph("multiBarChart", ["type"], ["accuracy_pct"], groups=["run"]), "width": 4.0}),
    ("Accuracy by level (MATH level, or number of steps)", "spark.sql", """
SELECT level, run, round(100 * avg(CAST(correct AS INT)), 1) AS accuracy_pct, count(*) AS problems
FROM eval_runs GROUP BY level, run ORDER BY level, run""",
     {"results": graph("multiBarChart", ["level"], ["accuracy_pct"], groups=["run"]), "width": 4.0}),
    ("What flipped between A and B", "spark.sql", """
SELECT CASE WHEN a.correct AND b.correct THEN 'right in both'
            WHEN b.correct THEN 'fixed (right in B only)'
            WHEN a.correct THEN 'broken (right in A only)'
            ELSE 'wrong in both' END AS outcome,
       count(*) AS problems
FROM eval_a a JOIN eval_b b ON a.idx = b.idx
GROUP BY 1 ORDER BY 1""", {"results": graph("multiBarChart", ["outcome"], ["problems"]), "width": 4.0}),
    ("The problems, flipped ones first", "spark.sql", """
SELECT a.idx, a.type, a.level, a.correct AS correct_a, b.correct AS correct_b,
       a.extracted AS answer_a, b.extracted AS answer_b, a.gold[0] AS gold,
       a.completion AS solution_a, b.completion AS solution_b
FROM eval_a a JOIN eval_b b ON a.idx = b.idx
ORDER BY CAST(a.correct <> b.correct AS INT) DESC, a.idx
LIMIT 200""", {"results": graph("table", [], []), "width": 8.0}),
    ("The plots EvalJob wrote", "sh", show_png(['"$RUNS/eval-a/summary.png"', '"$RUNS/eval-b/summary.png"'], E)),
])

# ---------------------------------------------------------------- Build pairs
E = "/tmp/stepdpo-pairs.env"
bp = note("3. Build pairs", "2SDPOPAIR", [
    ("", "md", f"""
# Build Step-DPO pairs with BuildPairsJob
Samples solutions, keeps the wrong ones, finds each one's first wrong step (`--locate rollout`:
by sampling continuations from each prefix, binary search; `verifier`: the synthetic task's exact
step checker; `judge`: a judge model), and corrects it by resampling from the correct prefix. Shows
the yield, where the first errors fall, the rollouts spent, and the pairs side by side.

{SH_TIMEOUT}""", {"hide_editor": True}),
    config(E, "Pair building settings.", [
        "MODEL=$STEPDPO_HOME/data/models/arith-tiny",
        "DATA=$STEPDPO_HOME/data/synthetic/pairs-source.jsonl",
        "PAIR_PROBLEMS=200",
        "LOCATE=rollout",
        "PAIRS_ARGS=\"--samples-per-problem 4 --rectify-samples 8 --max-new-tokens 256 --batch-size 32 --concurrent-problems 16\""]),
    ("BuildPairsJob", "sh", load_env(E) + "\n" + run_job("$RUNS/pairs.log",
        'submit --class BuildPairsJob "$STEPDPO_HOME/target/stepdpo.jar" --data "$DATA" --model "$MODEL" \\\n'
        '  --out "$RUNS/pairs" --overwrite --limit "$PAIR_PROBLEMS" --locate "$LOCATE" $PAIRS_ARGS')),
    ("Register the pairs and stats.json as tables", "spark", scala_env(E) + """
val stats = s"$runs/pairs/stats.json"
spark.read.parquet(s"$runs/pairs/pairs.parquet").createOrReplaceTempView("pairs")
spark.read.option("multiLine", true).json(stats).createOrReplaceTempView("pair_stats")
spark.read.option("multiLine", true)
  .schema("first_error_histogram MAP<STRING, BIGINT>, pair_step_histogram MAP<STRING, BIGINT>")
  .json(stats).createOrReplaceTempView("pair_histograms")
println(s"${spark.table("pairs").count()} pairs")"""),
    ("Yield and rollouts", "spark.sql", """
SELECT problems, samples, wrong_samples, located, pairs, yield AS pairs_per_problem,
       always_solved, never_solved, rollouts, rollouts_per_located_error,
       round(rollouts / greatest(pairs, 1), 2) AS rollouts_per_pair
FROM pair_stats""", {"results": graph("table", [], []), "width": 12.0}),
    ("From samples to pairs", "spark.sql", """
SELECT stack(4, '1 samples', samples, '2 wrong', wrong_samples, '3 located', located, '4 pairs', pairs)
       AS (phase, count)
FROM pair_stats""", {"results": graph("multiBarChart", ["phase"], ["count"]), "width": 6.0}),
    ("Where the first wrong step falls", "spark.sql", """
WITH errors AS (
  SELECT CAST(k AS INT) AS step, v AS located_errors
  FROM pair_histograms LATERAL VIEW explode(first_error_histogram) h AS k, v),
made AS (SELECT step, count(*) AS pairs FROM pairs GROUP BY step)
SELECT coalesce(e.step, m.step) AS step, coalesce(e.located_errors, 0) AS located_errors,
       coalesce(m.pairs, 0) AS pairs
FROM errors e FULL OUTER JOIN made m ON e.step = m.step
ORDER BY step""", {"results": graph("multiBarChart", ["step"], ["located_errors", "pairs"]), "width": 6.0}),
    ("Pairs side by side", "spark.sql", """
SELECT idx, step, steps, initial_reason_steps AS correct_prefix, chosen, rejected, answer
FROM pairs ORDER BY idx, sample LIMIT 100""", {"results": graph("table", [], [])}),
    ("The plot BuildPairsJob wrote", "sh", show_png(['"$RUNS/pairs/stats.png"'], E)),
])

# ---------------------------------------------------------------- Train
E = "/tmp/stepdpo-train.env"
tr = note("4. Train", "2SDPOTRAN", [
    ("", "md", f"""
# Train with TrainStepDpoJob
Trains a model on Step-DPO pairs (by default the pairs the *Build pairs* note made), data-parallel
over `--workers` Spark tasks, and plots what `metrics.jsonl` records per optimizer step: the loss,
the reward margin and accuracy, the learning rate and the gradient norm. The trained model is a
Hugging Face directory under `$RUNS/train/model` that the *Evaluate a model* note can score.

{SH_TIMEOUT}""", {"hide_editor": True}),
    config(E, "Training settings.", [
        "MODEL=$STEPDPO_HOME/data/models/arith-tiny",
        "PAIRS=$RUNS/pairs/pairs.jsonl",
        "TRAIN_ARGS=\"--lr 1e-5 --beta 0.1 --epochs 3 --per-device-batch 16 --warmup-ratio 0.1\""]),
    ("TrainStepDpoJob", "sh", load_env(E) + "\n" + run_job("$RUNS/train.log",
        'submit --class TrainStepDpoJob "$STEPDPO_HOME/target/stepdpo.jar" --model "$MODEL" --data "$PAIRS" \\\n'
        '  --out "$RUNS/train" --overwrite $TRAIN_ARGS')),
    ("Register metrics.jsonl as a table", "spark", scala_env(E) + """
spark.read.json(s"$runs/train/metrics.jsonl").createOrReplaceTempView("metrics")
spark.read.option("multiLine", true).json(s"$runs/train/train_summary.json").createOrReplaceTempView("train_summary")
println(s"${spark.table("metrics").count()} optimizer steps")"""),
    ("Loss", "spark.sql", "SELECT step, loss FROM metrics ORDER BY step",
     {"results": graph("lineChart", ["step"], ["loss"]), "width": 6.0}),
    ("Reward margin and reward accuracy", "spark.sql",
     "SELECT step, rewards_margin, rewards_accuracy FROM metrics ORDER BY step",
     {"results": graph("lineChart", ["step"], ["rewards_margin", "rewards_accuracy"]), "width": 6.0}),
    ("Learning rate", "spark.sql", "SELECT step, lr FROM metrics ORDER BY step",
     {"results": graph("lineChart", ["step"], ["lr"]), "width": 6.0}),
    ("Gradient norm (before clipping)", "spark.sql", "SELECT step, grad_norm FROM metrics ORDER BY step",
     {"results": graph("lineChart", ["step"], ["grad_norm"]), "width": 6.0}),
    ("The run's summary", "spark.sql", """
SELECT steps, examples, workers, tokens, timing.train_s AS train_s, timing.total_s AS total_s
FROM train_summary""", {"results": graph("table", [], [])}),
    ("The plot the training job wrote", "sh", show_png(['"$RUNS/train/metrics.png"'], E)),
])

for n in [qs, ev, bp, tr]:
    with open(f"{OUT}/{n['name']}_{n['id']}.zpln", "w") as f:
        json.dump(n, f, indent=2, ensure_ascii=False)
        f.write("\n")
