/** Entry point as users type it: {@code spark-submit --class TrainStepDpoJob stepdpo.jar ...}. */
public final class TrainStepDpoJob {
    private TrainStepDpoJob() {}

    public static void main(String[] args) {
        org.stepdpo.jobs.TrainStepDpoJob.main(args);
    }
}
