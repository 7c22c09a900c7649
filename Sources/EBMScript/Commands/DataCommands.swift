import EBM
import Foundation

extension Command {
    static let barsAndStripes = Command(
        "bars_and_stripes", category: .data,
        summary: "the n×n bars-and-stripes data set: every image whose rows (or columns) are all on or all off",
        parameters: [Parameter("n", .integer(min: 1, max: 12), "the side of the square image")],
        details: """
        Built the usual way: 2ⁿ patterns as stripes (each row constant) and 2ⁿ as bars (each
        column constant), 2·2ⁿ rows in all. The all-off and all-on images appear twice, so for
        n = 4 the 32 rows hold 30 distinct images.
        Example:
          d = bars_and_stripes(4)
          show d
        """
    ) { args, _ in .object(Dataset.barsAndStripes(args.int("n"))) }

    static let dataset = Command(
        "dataset", category: .data,
        summary: "a data set from a matrix of examples (one per row)",
        parameters: [
            Parameter("x", .tensor, "an n × d matrix, one example per row"),
            Parameter("height", .optional(.integer(min: 1, max: nil)), default: Value.none, "image height, when examples are images"),
            Parameter("width", .optional(.integer(min: 1, max: nil)), default: Value.none, "image width (height × width must equal d)"),
            Parameter("name", .string, default: .string("data"), "a name to print"),
        ]
    ) { args, _ in
        let x = args.tensor("x")
        guard x.rank == 2 else { throw args.error("x", "a data set needs a matrix (examples × features), got \(shapeText(x.shape))") }
        let shape = try imageShape(args, count: x.shape[1])
        return .object(Dataset(name: args.string("name"), examples: x, imageShape: shape))
    }

    static let bestLoglik = Command(
        "best_loglik", category: .data,
        summary: "the highest mean log-likelihood any model can reach on these rows: that of their empirical distribution",
        parameters: [Parameter("data", .tensor, "a data set or a matrix of examples")],
        details: """
        (1/n) Σᵢ log(count(xᵢ) / n): a distribution can do no better on the rows it is scored on.
        For 4×4 bars and stripes the 32 rows hold 30 distinct images (all-off and all-on twice),
        so the bound is above log(1/32).
        """
    ) { args, _ in
        let x = args.tensor("data")
        guard x.rank == 2, x.rows > 0 else { throw args.error("data", "expected a matrix of examples") }
        // Counting identical rows estimates a distribution only over discrete states: rows of
        // continuous data are all distinct, and −log n would be a bound on nothing.
        try checkStates(x, .integer, args, "data")
        var counts: [[Float]: Int] = [:]
        for i in 0..<x.rows { counts[x.row(i).scalars, default: 0] += 1 }
        let n = Double(x.rows)
        let total = (0..<x.rows).reduce(0.0) { $0 + Foundation.log(Double(counts[x.row($1).scalars] ?? 1) / n) }
        return .number(total / n)
    }

    static let shuffle = Command(
        "shuffle", category: .data,
        summary: "the examples in a random order (seeded)",
        parameters: [
            Parameter("data", .object(["dataset"]), "a data set"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed"),
        ],
        details: "A Fisher–Yates shuffle driven by xoshiro256**; the same seed gives the same order."
    ) { args, _ in
        guard let d = args.object("data", as: Dataset.self) else { return .none }
        var rng = Xoshiro256StarStar(seed: UInt64(args.int("seed")))
        return .object(d.subset(permutation(d.count, &rng)))
    }

    static let split = Command(
        "split", category: .data,
        summary: "two data sets: a random fraction of the examples, and the rest",
        parameters: [
            Parameter("data", .object(["dataset"]), "a data set"),
            Parameter("fraction", .probability, default: .number(0.8), "the share of examples in the first part"),
            Parameter("seed", .integer(min: 0, max: nil), default: .number(0), "the random seed"),
        ],
        details: "Example:\n  parts = split(d, fraction: 0.75, seed: 1)\n  train_set = parts[0]\n  test_set = parts[1]"
    ) { args, _ in
        guard let d = args.object("data", as: Dataset.self) else { return .none }
        var rng = Xoshiro256StarStar(seed: UInt64(args.int("seed")))
        let order = permutation(d.count, &rng)
        let k = Int(saturating: (args.number("fraction") * Double(d.count)).rounded())
        return .list([.object(d.subset(order[..<k], name: d.name + "[train]")),
                      .object(d.subset(order[k...], name: d.name + "[test]"))])
    }
}

/// A uniformly random permutation of 0..<n (Fisher–Yates).
func permutation(_ n: Int, _ rng: inout Xoshiro256StarStar) -> [Int] {
    var p = Array(0..<n)
    if n < 2 { return p }
    for i in stride(from: n - 1, to: 0, by: -1) {
        let j = Int(rng.next() % UInt64(i + 1))
        p.swapAt(i, j)
    }
    return p
}
