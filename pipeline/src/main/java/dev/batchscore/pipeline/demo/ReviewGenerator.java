package dev.batchscore.pipeline.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.batchscore.models.reference.ReferenceModels;

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
    private static final List<String> FILLER =
            List.of(
                    "the",
                    "it",
                    "this",
                    "was",
                    "arrived",
                    "on",
                    "time",
                    "and",
                    "quality",
                    "is",
                    "for",
                    "the",
                    "price",
                    "my",
                    "daughter",
                    "uses",
                    "it",
                    "every",
                    "day",
                    "battery",
                    "packaging",
                    "size",
                    "fits",
                    "color",
                    "after",
                    "two",
                    "weeks",
                    "works",
                    "as",
                    "described",
                    "would",
                    "buy",
                    "again",
                    "seller",
                    "delivery");
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

    private String text(String product, int tone) {
        List<String> words = new ArrayList<>();
        words.add("the");
        words.add(product);
        int length = 6 + random.nextInt(18);
        for (int w = 0; w < length; w++) {
            int pick = random.nextInt(10);
            if (pick < 2 && tone < 6) {
                words.add(pick(ReferenceModels.POSITIVE_WORDS));
            } else if (pick < 2 && tone < 9) {
                words.add(pick(ReferenceModels.NEGATIVE_WORDS));
            } else {
                words.add(pick(FILLER));
            }
        }
        String sentence = String.join(" ", words);
        return Character.toUpperCase(sentence.charAt(0))
                + sentence.substring(1)
                + (tone < 6 ? "!" : ".");
    }

    private String pick(List<String> words) {
        return words.get(random.nextInt(words.size()));
    }
}
