package org.stepdpo.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A problem being written: the sentences said so far, the gold steps they imply, and the random
 * draws of one problem. Families write through it; {@link #finish} turns it into a problem.
 */
final class Story {
    /** Someone a problem is about, with the pronouns its sentences need. */
    record Person(String name, String subject, String possessive) {
        String Subject() {
            return Character.toUpperCase(subject.charAt(0)) + subject.substring(1);
        }
    }

    private static final List<Person> PEOPLE = List.of(
            new Person("Mia", "she", "her"), new Person("Tom", "he", "his"), new Person("Ana", "she", "her"),
            new Person("Ben", "he", "his"), new Person("Lena", "she", "her"), new Person("Omar", "he", "his"),
            new Person("Sara", "she", "her"), new Person("Leo", "he", "his"), new Person("Nora", "she", "her"),
            new Person("Ivan", "he", "his"), new Person("Zoe", "she", "her"), new Person("Raj", "he", "his"));

    final SplittableRandom random;
    final Difficulty difficulty;
    private final List<String> sentences = new ArrayList<>();
    private final List<SolutionStep> steps = new ArrayList<>();

    Story(SplittableRandom random, Difficulty difficulty) {
        this.random = random;
        this.difficulty = difficulty;
    }

    void say(String sentence) {
        sentences.add(sentence);
    }

    /** Records the step {@code a op b} and returns its result. */
    long step(Op op, long a, long b, String unit) {
        SolutionStep s = new SolutionStep(op, a, b, op.apply(a, b), unit);
        steps.add(s);
        return s.result();
    }

    /** Records {@code a * b}, then {@code x op (a * b)} ({@code +} or {@code -}); returns the latter. */
    long withProduct(long x, Op op, long a, long b, String unit) {
        long product = step(Op.MUL, a, b, unit);
        return step(op, x, product, unit);
    }

    int stepCount() {
        return steps.size();
    }

    /** Whether a result may appear in a problem of this difficulty. */
    boolean fits(long value) {
        return value >= 0 && value <= difficulty.maxValue();
    }

    /** A base quantity: 10 up to the largest number of {@code maxDigits} digits. */
    long base() {
        return between(10, difficulty.maxBase());
    }

    /** A multiplier or divisor: 2 to {@code maxFactor}. */
    long factor() {
        return between(2, difficulty.maxFactor());
    }

    /** Uniform in [lo, hi]. */
    long between(long lo, long hi) {
        return lo + random.nextLong(hi - lo + 1);
    }

    boolean chance(double p) {
        return random.nextDouble() < p;
    }

    <T> T pick(List<T> items) {
        return items.get(random.nextInt(items.size()));
    }

    Person person() {
        return pick(PEOPLE);
    }

    /** A divisor of {@code value} between 2 and {@code maxFactor}, or 0 when there is none. */
    long divisorOf(long value) {
        List<Long> ds = new ArrayList<>();
        for (long d = 2; d <= difficulty.maxFactor(); d++) {
            if (value % d == 0) {
                ds.add(d);
            }
        }
        return ds.isEmpty() || value == 0 ? 0 : pick(ds);
    }

    /** The problem: the sentences, then the question. */
    SyntheticProblem finish(String family, String question) {
        List<String> all = new ArrayList<>(sentences);
        all.add(question);
        return new SyntheticProblem(family, String.join(" ", all), steps);
    }
}
