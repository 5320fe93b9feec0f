/** Entry point as users type it: {@code spark-submit --class LocateBenchJob stepdpo.jar ...}. */
public final class LocateBenchJob {
    private LocateBenchJob() {}

    public static void main(String[] args) {
        org.stepdpo.jobs.LocateBenchJob.main(args);
    }
}
