package dev.batchscore.examples.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Product reviews as JSON, realistic enough to read in a demo: ids, a rating that agrees with the
 * text's tone most of the time, a price, helpful votes, a timestamp, and a review text built from
 * neutral filler plus the reference text model's positive and negative words.
 */
public final class ReviewGenerator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PRODUCTS =
            List.of(
                    "headphones",
                    "kettle",
                    "backpack",
                    "phone case",
                    "desk lamp",
                    "keyboard",
                    "running shoes",
                    "coffee grinder",
                    "yoga mat",
                    "water bottle",
                    "charger",
                    "blender");
    // Sentence templates: {p} is the product. Positive and negative ones use the reference text
    // model's sentiment words, so its scores follow the tone; neutral ones use none of them.
    private static final List<String> POSITIVE =
            List.of(
                    "Great {p}, I love it.",
                    "The {p} works perfectly and the quality is excellent.",
                    "Amazing value for the price, would buy again.",
                    "My daughter loved the {p}, it is perfect for school.",
                    "Good {p}, fast delivery and great packaging.",
                    "Excellent build quality, best {p} I have owned.");
    private static final List<String> NEGATIVE =
            List.of(
                    "The {p} arrived broken.",
                    "Terrible quality, it stopped working after two weeks.",
                    "Awful battery life, I hate it.",
                    "Poor packaging and the {p} was damaged.",
                    "Worst {p} I have bought, asked for a refund.",
                    "Bad fit and the color is not as described.");
    private static final List<String> NEUTRAL =
            List.of(
                    "The {p} arrived on Tuesday.",
                    "It does what the description says.",
                    "Bought the {p} as a gift for my brother.",
                    "Size is as listed on the page.",
                    "I use the {p} every day at work.",
                    "Came in a brown box with a manual.");
    private static final long START = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli();
    private static final long YEAR_MS = 365L * 24 * 3600 * 1000;

    private final Random random;

    public ReviewGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** The JSON of review number {@code i}. */
    public String next(long i) {
        int tone = random.nextInt(10); // 0-5 positive, 6-8 negative, 9 neutral
        int rating = tone < 6 ? 4 + random.nextInt(2) : tone < 9 ? 1 + random.nextInt(2) : 3;
        String product = PRODUCTS.get(random.nextInt(PRODUCTS.size()));
        ObjectNode review = JSON.createObjectNode();
        review.put("review_id", String.format("r-%08d", i));
        review.put("product_id", "p-" + (1000 + random.nextInt(500)));
        review.put("product", product);
        review.put("user_id", 10_000 + random.nextInt(90_000));
        review.put("rating", rating);
        review.put("price", Math.round((5 + random.nextDouble() * 195) * 100) / 100.0);
        review.put("helpful_votes", random.nextInt(4) == 0 ? random.nextInt(50) : 0);
        review.put("verified_purchase", random.nextInt(5) != 0);
        review.put("review_text", text(product, tone));
        review.put(
                "created_at",
                Instant.ofEpochMilli(START + (long) (random.nextDouble() * YEAR_MS)).toString());
        return review.toString();
    }

    /** Two to four sentences: mostly in the review's tone, with some neutral ones mixed in. */
    private String text(String product, int tone) {
        List<String> toned = tone < 6 ? POSITIVE : tone < 9 ? NEGATIVE : NEUTRAL;
        int sentences = 2 + random.nextInt(3);
        List<String> text = new ArrayList<>();
        for (int n = 0; n < sentences; n++) {
            text.add(
                    pick(n == 0 || random.nextInt(3) > 0 ? toned : NEUTRAL)
                            .replace("{p}", product));
        }
        return String.join(" ", text);
    }

    private String pick(List<String> words) {
        return words.get(random.nextInt(words.size()));
    }
}
