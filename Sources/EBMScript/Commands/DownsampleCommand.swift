import EBM

extension Command {
    static let downsample = Command(
        "downsample", category: .data,
        summary: "shrink the images of a data set by averaging factor × factor blocks (28×28 Fashion-MNIST → 14×14 grey levels)",
        parameters: [
            Parameter("data", .object(["dataset"]), "a data set of images"),
            Parameter("factor", .integer(min: 1, max: 64), default: .number(2), "the block side; the image sides must be multiples of it"),
        ],
        details: """
        Each output pixel is the mean of a factor × factor block, so binary images become grey
        levels in [0, 1]: the small images of the continuous (Langevin) case.
        Example:
          small = downsample(fashion_mnist(split: "train", limit: 5000), factor: 2)
        """
    ) { args, _ in
        guard let d = args.object("data", as: Dataset.self), let shape = d.imageShape else {
            throw args.error("data", "downsample needs a data set of images (with an image shape)")
        }
        let f = args.int("factor")
        guard shape.height % f == 0, shape.width % f == 0 else {
            throw args.error("factor", "the images are \(shape.height)×\(shape.width); the factor must divide both sides")
        }
        let (h, w) = (shape.height / f, shape.width / f)
        let n = d.examples.rows
        var out = [Float](repeating: 0, count: n * h * w)
        let x = d.examples.scalars, D = shape.height * shape.width
        for r in 0..<n {
            for i in 0..<h {
                for j in 0..<w {
                    var s: Float = 0
                    for a in 0..<f { for b in 0..<f { s += x[r * D + (i * f + a) * shape.width + j * f + b] } }
                    out[r * h * w + i * w + j] = s / Float(f * f)
                }
            }
        }
        return .object(Dataset(name: "\(d.name), \(h)×\(w)", examples: Tensor(shape: [n, h * w], scalars: out),
                               imageShape: (h, w), labels: d.labels))
    }
}
