# Shared by the launchers in jobs/: project paths, the runtime classpath, JVM flags, offline DJL.
# Sourced, not run.

STEPDPO_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STEPDPO_JAR="$STEPDPO_HOME/target/stepdpo.jar"
STEPDPO_LIB="$STEPDPO_HOME/target/lib"
# Where a Spark distribution is installed and the Maven runtime classpath is not (the Docker image),
# Spark's own jars are the classpath of the small tools that run outside spark-submit.
if [ ! -d "$STEPDPO_LIB" ] && [ -n "${SPARK_HOME:-}" ] && [ -d "$SPARK_HOME/jars" ]; then
  STEPDPO_LIB="$SPARK_HOME/jars"
fi

# DJL must never call out at start-up (engine, tokenizers): every process we start inherits these.
export DJL_OFFLINE=true
export OPT_OUT_TRACKING=true
# Bind Spark to loopback unless the user says otherwise.
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

# The --add-opens flags Spark needs on Java 17 (Spark's JavaModuleOptions), plus DJL offline mode.
STEPDPO_JVM_FLAGS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
  -Dio.netty.tryReflectionSetAccessible=true
  -Dai.djl.offline=true
)

stepdpo_java() {
  if [ -n "${JAVA_HOME:-}" ]; then echo "$JAVA_HOME/bin/java"; else echo java; fi
}

# Fails with a clear message when the project has not been built.
stepdpo_require_build() {
  if [ ! -f "$STEPDPO_JAR" ] || [ ! -d "$STEPDPO_LIB" ]; then
    echo "$(basename "$0"): $STEPDPO_JAR or $STEPDPO_LIB is missing: build first with 'mvn -B package -DskipTests'" >&2
    exit 2
  fi
}
