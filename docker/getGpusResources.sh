#!/usr/bin/env bash
# Spark's GPU discovery script: prints the GPUs of this machine as the JSON that Spark's
# ResourceInformation reads, e.g. {"name": "gpu", "addresses": ["0", "1"]}. No nvidia-smi, or no
# GPU, gives an empty list (the worker then offers no GPUs rather than failing to start).
#   spark.worker.resource.gpu.discoveryScript=/opt/spark/getGpusResources.sh
set -uo pipefail
addresses=""
if command -v nvidia-smi > /dev/null 2>&1; then
  while IFS= read -r index; do
    index="${index//[[:space:]]/}"
    [ -n "$index" ] || continue
    addresses+="${addresses:+, }\"$index\""
  done < <(nvidia-smi --query-gpu=index --format=csv,noheader 2> /dev/null)
fi
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
