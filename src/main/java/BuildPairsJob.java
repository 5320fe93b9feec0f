/** Entry point as users type it: {@code spark-submit --class BuildPairsJob stepdpo.jar ...}. */
public final class BuildPairsJob {
    private BuildPairsJob() {}

    public static void main(String[] args) {
        org.stepdpo.jobs.BuildPairsJob.main(args);
    }
}
