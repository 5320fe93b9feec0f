/** Entry point as users type it: {@code spark-submit --class EvalJob stepdpo.jar ...}. */
public final class EvalJob {
    private EvalJob() {}

    public static void main(String[] args) {
        org.stepdpo.jobs.EvalJob.main(args);
    }
}
