/// A data set: `n` examples as the rows of an n × d tensor, with an optional image shape so
/// that examples can be drawn, and optional integer labels.
public struct Dataset: Sendable, Equatable {
    public var name: String
    public var examples: Tensor
    /// Height and width of one example when it is an image (height × width == d).
    public var imageShape: (height: Int, width: Int)?
    public var labels: [Int]?

    public init(name: String, examples: Tensor, imageShape: (height: Int, width: Int)? = nil, labels: [Int]? = nil) {
        precondition(examples.rank == 2, "a data set is a matrix of examples")
        if let s = imageShape { precondition(s.height * s.width == examples.shape[1]) }
        if let l = labels { precondition(l.count == examples.shape[0]) }
        self.name = name
        self.examples = examples
        self.imageShape = imageShape
        self.labels = labels
    }

    public var count: Int { examples.shape[0] }
    public var dimension: Int { examples.shape[1] }

    public static func == (a: Dataset, b: Dataset) -> Bool {
        a.name == b.name && a.examples == b.examples && a.labels == b.labels
            && a.imageShape?.height == b.imageShape?.height && a.imageShape?.width == b.imageShape?.width
    }

    /// The examples at `indices`, in that order, with their labels.
    public func subset<S: Sequence>(_ indices: S, name: String? = nil) -> Dataset where S.Element == Int {
        let idx = Array(indices)
        return Dataset(name: name ?? self.name, examples: examples.rows(idx), imageShape: imageShape,
                       labels: labels.map { l in idx.map { l[$0] } })
    }
}

extension Dataset {
    /// The bars-and-stripes data set on an n × n grid (MacKay 2003): every pattern in which each
    /// row is all on or all off (stripes), and every pattern in which each column is (bars).
    ///
    /// Built the usual way, it has 2 · 2ⁿ rows, of which 2ⁿ⁺¹ − 2 are distinct: the all-off and
    /// all-on images appear once as bars and once as stripes.
    public static func barsAndStripes(_ n: Int) -> Dataset {
        precondition(n >= 1 && n <= 12, "bars and stripes is built for 1 ≤ n ≤ 12")
        let d = n * n
        var rows: [Float] = []
        rows.reserveCapacity(2 * (1 << n) * d)
        // Stripes first (each row constant), then bars (each column constant); pattern bit i
        // switches row (or column) i on.
        for horizontal in [true, false] {
            for pattern in 0..<(1 << n) {
                for r in 0..<n {
                    for c in 0..<n {
                        let line = horizontal ? r : c
                        rows.append((pattern >> (n - 1 - line)) & 1 == 1 ? 1 : 0)
                    }
                }
            }
        }
        return Dataset(name: "bars_and_stripes(\(n))",
                       examples: Tensor(shape: [2 * (1 << n), d], scalars: rows),
                       imageShape: (n, n))
    }
}
