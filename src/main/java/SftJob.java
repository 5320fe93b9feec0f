/** Entry point as users type it: {@code spark-submit --class SftJob stepdpo.jar ...}. */
public final class SftJob {
    private SftJob() {}

    public static void main(String[] args) {
        org.stepdpo.jobs.SftJob.main(args);
    }
}
