package org.stepdpo.synthetic;

import java.util.List;

/**
 * The five families of word problems. Each writes a problem of exactly {@code n} steps from moves
 * that cost one or two steps (a purchase of several bags is a product, then a sum), or gives up
 * (null) when its draws cannot reach {@code n} within the difficulty's limits; the caller draws
 * again. Every number a step uses is written in the problem or is an earlier step's result
 * (100 for a percentage).
 */
public final class Families {
    /** The family names, as written in the rows' {@code type}. */
    public static final List<String> NAMES = List.of("objects", "prices", "rates", "groups", "fractions");

    private record Item(String plural, String container) {}

    private static final List<Item> ITEMS = List.of(new Item("marbles", "bag"), new Item("stickers", "sheet"),
            new Item("stamps", "album"), new Item("shells", "bucket"), new Item("cards", "pack"),
            new Item("pencils", "box"), new Item("beads", "jar"), new Item("cookies", "tray"));
    private static final List<String> FRIENDS = List.of("a friend", "her brother", "his sister", "a neighbor",
            "a classmate", "a cousin");

    private record Good(String singular, String plural, int maxPrice) {}

    private static final List<Good> GOODS = List.of(new Good("notebook", "notebooks", 20),
            new Good("shirt", "shirts", 60), new Good("book", "books", 40), new Good("toy car", "toy cars", 30),
            new Good("lamp", "lamps", 90), new Good("pair of socks", "pairs of socks", 15),
            new Good("chair", "chairs", 99), new Good("mug", "mugs", 25));

    private record Worker(String name, String verb, String units, String time) {}

    private static final List<Worker> WORKERS = List.of(new Worker("printer", "prints", "pages", "minute"),
            new Worker("baker", "bakes", "loaves", "hour"), new Worker("machine", "fills", "bottles", "minute"),
            new Worker("farmer", "picks", "apples", "hour"), new Worker("worker", "packs", "boxes", "hour"),
            new Worker("robot", "builds", "toys", "hour"));

    private record Place(String place, String groups, String group, String members, String join, String leave,
                         String gift, String gifts) {}

    private static final List<Place> PLACES = List.of(
            new Place("school", "classes", "class", "students", "join", "leave", "pencils", "pencils"),
            new Place("farm", "pens", "pen", "sheep", "arrive", "are sold", "bales of hay", "bales"),
            new Place("library", "shelves", "shelf", "books", "are donated", "are lost", "stickers", "stickers"),
            new Place("orchard", "rows", "row", "trees", "are planted", "are cut down", "liters of water", "liters"),
            new Place("camp", "tents", "tent", "children", "arrive", "go home", "snacks", "snacks"));

    private record Whole(String place, String items, List<String> kinds, String containers) {}

    private static final List<Whole> WHOLES = List.of(
            new Whole("A library", "books", List.of("novels", "comics", "atlases"), "shelves"),
            new Whole("A farm", "animals", List.of("sheep", "cows", "goats"), "barns"),
            new Whole("A garden", "flowers", List.of("roses", "tulips", "lilies"), "vases"),
            new Whole("A store", "fruits", List.of("apples", "pears", "plums"), "baskets"),
            new Whole("A club", "members", List.of("adults", "teens", "kids"), "teams"));

    private Families() {}

    /** Writes a problem of family {@code name} with exactly {@code n} steps, or null. */
    static SyntheticProblem write(String name, Story s, int n) {
        switch (name) {
            case "objects":
                return objects(s, n);
            case "prices":
                return prices(s, n);
            case "rates":
                return rates(s, n);
            case "groups":
                return groups(s, n);
            default:
                return fractions(s, n);
        }
    }

    /** People and objects: someone's collection grows, shrinks and is shared. */
    static SyntheticProblem objects(Story s, int n) {
        Story.Person p = s.person();
        Item item = s.pick(ITEMS);
        String unit = item.plural();
        long x = s.base();
        s.say(p.name() + " has " + x + " " + unit + ".");
        String question = "How many " + unit + " does " + p.name() + " have now?";
        while (s.stepCount() < n) {
            int left = n - s.stepCount();
            int move = s.random.nextInt(left >= 2 ? 5 : 3);
            if (left == 1 && s.chance(0.3)) {
                long k = s.divisorOf(x);
                if (k > 0) {
                    s.say(p.Subject() + " shares the " + unit + " equally among " + k + " friends.");
                    x = s.step(Op.DIV, x, k, unit);
                    question = "How many " + unit + " does each friend get?";
                    continue;
                }
            }
            if (move == 0) {
                long b = s.base();
                if (!s.fits(x + b)) {
                    return null;
                }
                s.say(p.Subject() + " finds " + b + " more " + unit + ".");
                x = s.step(Op.ADD, x, b, unit);
            } else if (move == 1) {
                if (x < 12) {
                    return null;
                }
                long b = s.between(2, x - 1);
                s.say(p.Subject() + " gives " + b + " " + unit + " to " + s.pick(FRIENDS) + ".");
                x = s.step(Op.SUB, x, b, unit);
            } else if (move == 2) {
                long k = s.factor();
                if (!s.fits(x * k)) {
                    return null;
                }
                s.say("Then the number of " + unit + " " + p.subject() + " has becomes " + k + " times as large.");
                x = s.step(Op.MUL, x, k, unit);
            } else {
                long bags = s.factor();
                long each = s.between(2, 99);
                boolean buys = move == 3;
                if (buys ? !s.fits(x + bags * each) : x <= bags * each) {
                    return null;
                }
                s.say(p.Subject() + (buys ? " buys " : " gives away ") + bags + " " + item.container() + "s with "
                        + each + " " + unit + " in each " + item.container() + ".");
                x = s.withProduct(x, buys ? Op.ADD : Op.SUB, bags, each, unit);
            }
        }
        return s.finish("objects", question);
    }

    /** Prices and change: a shopping list, a coupon, then the change or a shared bill. */
    static SyntheticProblem prices(Story s, int n) {
        Story.Person p = s.person();
        Good first = s.pick(GOODS);
        long count = s.factor();
        long price = s.between(2, first.maxPrice());
        s.say(p.name() + " buys " + count + " " + first.plural() + " for $" + price + " each.");
        long x = s.step(Op.MUL, count, price, "dollars");
        String question = "How much does " + p.name() + " spend in all?";
        while (s.stepCount() < n) {
            int left = n - s.stepCount();
            if (left == 1 && s.chance(0.6)) {
                if (s.chance(0.5)) {
                    long bill = (x / 50 + 1 + s.random.nextInt(2)) * 50;
                    s.say(p.Subject() + " pays with $" + bill + ".");
                    x = s.step(Op.SUB, bill, x, "dollars");
                    question = "How much change does " + p.subject() + " get?";
                    continue;
                }
                long k = s.divisorOf(x);
                if (k > 0) {
                    s.say("The cost is split equally among " + k + " friends.");
                    x = s.step(Op.DIV, x, k, "dollars");
                    question = "How much does each friend pay?";
                    continue;
                }
            }
            int move = s.random.nextInt(left >= 2 ? 3 : 2);
            if (move == 0) {
                Good g = s.pick(GOODS);
                long q = s.between(2, g.maxPrice());
                s.say(p.Subject() + " also buys a " + g.singular() + " for $" + q + ".");
                x = s.step(Op.ADD, x, q, "dollars");
            } else if (move == 1) {
                if (x < 12) {
                    return null;
                }
                long c = s.between(2, Math.min(x - 1, 99));
                s.say(p.Subject() + " uses a coupon for $" + c + " off.");
                x = s.step(Op.SUB, x, c, "dollars");
            } else {
                Good g = s.pick(GOODS);
                long c2 = s.factor();
                long q = s.between(2, g.maxPrice());
                if (!s.fits(x + c2 * q)) {
                    return null;
                }
                s.say(p.Subject() + " also buys " + c2 + " " + g.plural() + " for $" + q + " each.");
                x = s.withProduct(x, Op.ADD, c2, q, "dollars");
            }
        }
        return s.finish("prices", question);
    }

    /** Rates and time: work done at a rate over some hours, then more, less, or packed. */
    static SyntheticProblem rates(Story s, int n) {
        Worker w = s.pick(WORKERS);
        String unit = w.units();
        long rate = s.between(10, 99);
        s.say("A " + w.name() + " " + w.verb() + " " + rate + " " + unit + " per " + w.time() + ".");
        long x;
        if (n >= 3 && s.chance(0.5)) {
            long t1 = s.between(2, Math.max(2, s.difficulty.maxFactor() - 2));
            long t2 = s.between(2, Math.max(2, s.difficulty.maxFactor() - t1));
            s.say("It works for " + t1 + " " + w.time() + "s in the morning and " + t2 + " " + w.time()
                    + "s in the afternoon.");
            long t = s.step(Op.ADD, t1, t2, w.time() + "s");
            x = s.step(Op.MUL, rate, t, unit);
        } else {
            long t = s.factor();
            s.say("It works for " + t + " " + w.time() + "s.");
            x = s.step(Op.MUL, rate, t, unit);
        }
        String question = "How many " + unit + " are there in total?";
        while (s.stepCount() < n) {
            int left = n - s.stepCount();
            if (left == 1 && s.chance(0.4)) {
                long b = s.divisorOf(x);
                if (b > 0) {
                    s.say("The " + unit + " are packed into crates of " + b + ".");
                    x = s.step(Op.DIV, x, b, "crates");
                    question = "How many crates are filled?";
                    continue;
                }
            }
            int move = s.random.nextInt(left >= 2 ? 3 : 2);
            if (move == 0) {
                long e = s.base();
                if (!s.fits(x + e)) {
                    return null;
                }
                s.say("Before that, " + e + " " + unit + " were already done.");
                x = s.step(Op.ADD, x, e, unit);
            } else if (move == 1) {
                if (x < 12) {
                    return null;
                }
                long e = s.between(2, Math.min(x - 1, 99));
                s.say("Then " + e + " of the " + unit + " are thrown away.");
                x = s.step(Op.SUB, x, e, unit);
            } else {
                long r2 = s.between(10, 99);
                long t2 = s.factor();
                if (!s.fits(x + r2 * t2)) {
                    return null;
                }
                s.say("A second " + w.name() + " " + w.verb() + " " + r2 + " " + unit + " per " + w.time() + " for "
                        + t2 + " " + w.time() + "s.");
                x = s.withProduct(x, Op.ADD, r2, t2, unit);
            }
        }
        return s.finish("rates", question);
    }

    /** Groups and sharing: equal groups, members joining and leaving, then teams or supplies. */
    static SyntheticProblem groups(Story s, int n) {
        Place pl = s.pick(PLACES);
        String unit = pl.members();
        long c = s.factor();
        long each = s.between(10, 99);
        s.say("A " + pl.place() + " has " + c + " " + pl.groups() + " with " + each + " " + unit + " in each "
                + pl.group() + ".");
        long x = s.step(Op.MUL, c, each, unit);
        String question = "How many " + unit + " are there now?";
        while (s.stepCount() < n) {
            int left = n - s.stepCount();
            if (left == 1 && s.chance(0.5)) {
                if (s.chance(0.5)) {
                    long t = s.divisorOf(x);
                    if (t > 0) {
                        s.say("The " + unit + " are split into teams of " + t + ".");
                        x = s.step(Op.DIV, x, t, "teams");
                        question = "How many teams are there?";
                        continue;
                    }
                } else {
                    long k = s.factor();
                    if (s.fits(x * k)) {
                        s.say("Each of the " + unit + " needs " + k + " " + pl.gift() + ".");
                        x = s.step(Op.MUL, x, k, pl.gifts());
                        question = "How many " + pl.gift() + " are needed?";
                        continue;
                    }
                }
            }
            int move = s.random.nextInt(left >= 2 ? 3 : 2);
            if (move == 0) {
                long j = s.between(2, 99);
                if (!s.fits(x + j)) {
                    return null;
                }
                s.say("Then " + j + " more " + unit + " " + pl.join() + ".");
                x = s.step(Op.ADD, x, j, unit);
            } else if (move == 1) {
                if (x < 12) {
                    return null;
                }
                long l = s.between(2, Math.min(x - 1, 99));
                s.say("Then " + l + " " + unit + " " + pl.leave() + ".");
                x = s.step(Op.SUB, x, l, unit);
            } else {
                long g = s.factor();
                long e2 = s.between(10, 99);
                if (!s.fits(x + g * e2)) {
                    return null;
                }
                s.say("Later " + g + " more " + pl.groups() + " with " + e2 + " " + unit + " each are added.");
                x = s.withProduct(x, Op.ADD, g, e2, unit);
            }
        }
        return s.finish("groups", question);
    }

    /** Percent or fractions of a whole: a part, the rest, changes, then a part of that or a share. */
    static SyntheticProblem fractions(Story s, int n) {
        Whole w = s.pick(WHOLES);
        long d0 = s.factor();
        long whole = d0 * s.between(2, s.difficulty.maxBase() / d0);
        s.say(w.place() + " has " + whole + " " + w.items() + ".");
        String kind = w.kinds().get(0);
        long x = part(s, whole, "of them", kind, n);
        if (x < 0) {
            return null;
        }
        String unit = kind;
        String question = "How many " + unit + " are there?";
        if (s.stepCount() < n && s.chance(0.7)) {
            unit = w.kinds().get(1);
            s.say("The rest are " + unit + ".");
            x = s.step(Op.SUB, whole, x, unit);
            question = "How many " + unit + " are there?";
        }
        while (s.stepCount() < n) {
            int left = n - s.stepCount();
            if (left <= 2 && s.chance(0.3)) {
                // a last part of what is there now: 1/d (one step), a/d or p% (two steps)
                long sold = part(s, x, "of the " + unit, "sold", left);
                if (sold < 0) {
                    return null;
                }
                x = sold;
                question = "How many " + unit + " are sold?";
                if (s.stepCount() < n) {
                    return null;
                }
                continue;
            }
            if (left == 1 && s.chance(0.3)) {
                long k = s.divisorOf(x);
                if (k > 0) {
                    s.say("The " + unit + " are shared equally among " + k + " " + w.containers() + ".");
                    x = s.step(Op.DIV, x, k, unit);
                    question = "How many " + unit + " are in each of the " + w.containers() + "?";
                    continue;
                }
            }
            if (s.chance(0.5)) {
                long b = s.between(2, 99);
                if (!s.fits(x + b)) {
                    return null;
                }
                s.say("Then " + b + " more " + unit + " are added.");
                x = s.step(Op.ADD, x, b, unit);
            } else {
                if (x < 12) {
                    return null;
                }
                long b = s.between(2, Math.min(x - 1, 99));
                s.say("Then " + b + " of the " + unit + " are taken away.");
                x = s.step(Op.SUB, x, b, unit);
            }
        }
        return s.finish("fractions", question);
    }

    /**
     * Says that a part of {@code x} is {@code what} ({@code "3/8 of them are novels."}) and steps
     * to it: 1/d in one step, a/d or a percentage in two (only when {@code maxSteps} allows two).
     * Returns the part, or -1 when no divisor fits.
     */
    private static long part(Story s, long x, String of, String what, int maxSteps) {
        long d = s.divisorOf(x);
        if (d == 0) {
            return -1;
        }
        if (maxSteps >= 2 && s.chance(0.3)) {
            long pct = s.pick(List.of(10L, 20L, 25L, 30L, 40L, 50L, 60L, 75L, 80L));
            if (x * pct % 100 == 0 && s.fits(x * pct)) {
                s.say(pct + "% " + of + " are " + what + ".");
                long t = s.step(Op.MUL, x, pct, what);
                return s.step(Op.DIV, t, 100, what);
            }
        }
        if (maxSteps >= 2 && d > 2 && s.chance(0.6)) {
            long a = s.between(2, d - 1);
            s.say(a + "/" + d + " " + of + " are " + what + ".");
            long one = s.step(Op.DIV, x, d, what);
            return s.step(Op.MUL, one, a, what);
        }
        s.say("1/" + d + " " + of + " are " + what + ".");
        return s.step(Op.DIV, x, d, what);
    }
}
