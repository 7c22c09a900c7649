import EBM

/// Turns values into pictures: a data set's examples as a grid of tiles, a matrix as one image,
/// a rank-3 tensor as a grid of its matrices. Shared by `image`, `png` and `show`, so the three
/// draw the same thing from the same arguments.
enum ImageConversion {
    /// The arguments every drawing command takes, in the command table's form.
    static let parameters: [Parameter] = [
        Parameter("columns", .optional(.integer(min: 1, max: 1000)), default: Value.none, "tiles per row (default: a near-square grid)"),
        Parameter("padding", .integer(min: 0, max: 100), default: .number(1), "pixels between tiles"),
        Parameter("scale", .integer(min: 1, max: 64), default: .number(1), "magnify every pixel to scale × scale"),
        Parameter("scaling", .choice(["auto", "unit", "tile", "global", "symmetric", "symmetric_tile"]), default: .string("auto"),
                  "how values become grey levels: unit = [0,1]; tile/global = min–max per tile/over all; symmetric = 0 is mid-grey (weights); auto = unit when all values are in [0,1], else global"),
        Parameter("limit", .integer(min: 1, max: 100_000), default: .number(100), "draw at most this many tiles"),
        Parameter("background", .probability, default: .number(0.5), "the grey level between tiles: 0 black, 1 white"),
    ]

    static func image(from value: Value, _ args: Arguments, argument: String) throws -> Image {
        if case .object(let o) = value, let image = o as? Image {
            try args.reserveMemory(MemoryBudget.product(image.pixels.count, args.int("scale"), args.int("scale")),
                                   for: "a \(image.width)×\(image.height) image at scale \(args.int("scale"))", lower: "scale")
            return args.int("scale") > 1 ? image.scaled(by: args.int("scale")) : image
        }
        if case .object(let t as TemperedValue) = value {
            return t.chart.image()   // the replica-index traces
        }
        if case .object(let chain as ChainValue) = value {
            let (h, w) = chain.imageShape ?? squareShape(chain.visible) ?? (1, chain.visible)
            var layout = GridLayout(padding: args.int("padding"), scale: args.int("scale"),
                                    background: UInt8(unitLevel: args.number("background")))
            let shownChains = Swift.min(chain.chains, args.int("limit"))
            try reserveGrid(args, rows: shownChains, columns: chain.snapshots.count, tileHeight: h, tileWidth: w)
            let rows = Array(chain.rowsOfTiles.prefix(args.int("limit")))
            layout.scaling = scaling(args.string("scaling"), tiles: rows.flatMap { $0 })
            return Image.grid(rowsOfTiles: rows, tileHeight: h, tileWidth: w, layout: layout)
        }
        if case .object(let o) = value, let model = o as? any ModelValue {
            // Weights have a sign: 0 is mid-grey, and each filter uses its full contrast.
            return try grid(filterTiles(model, args, argument: argument), args, defaultScaling: "symmetric_tile")
        }
        return try grid(tiles(from: value, args, argument: argument), args, defaultScaling: "auto")
    }

    /// The first-layer weights of each unit (W_j, a row of W, for an RBM) as a picture of the
    /// visible layer: what the unit responds to (003's debugging advice: look at the filters).
    static func filterTiles(_ model: any ModelValue, _ args: Arguments, argument: String) throws -> ([[Float]], Int, Int) {
        let tiles = try require(model.filterTiles, .filters, of: model, args, argument)
        let d = model.parameterized.dimension
        guard let (h, w) = model.imageShape ?? squareShape(d) else {
            throw args.error(argument, "the model's \(d) visible units have no image shape",
                             hint: "create it with rbm(visible: ..., hidden: ..., height: H, width: W), or train it on a data set of images")
        }
        return (tiles, h, w)
    }

    /// n units as a square picture, when n is a square number.
    static func squareShape(_ n: Int) -> (height: Int, width: Int)? {
        let side = Int(Double(n).squareRoot().rounded())
        return side > 0 && side * side == n ? (side, side) : nil
    }

    private static func grid(_ t: ([[Float]], Int, Int), _ args: Arguments, defaultScaling: String) throws -> Image {
        let (tiles, h, w) = t
        let limit = args.int("limit")
        let shown = Array(tiles.prefix(limit))
        guard h >= 1, w >= 1 else {
            throw args.error(args.command.parameters.first?.name ?? "value", "there is nothing to draw: the tiles are \(h)×\(w) pixels")
        }
        let columns = Swift.min(Swift.max(args.optionalInt("columns") ?? Int(saturating: Double(shown.count).squareRoot().rounded(.up)), 1), Swift.max(shown.count, 1))
        try reserveGrid(args, rows: (shown.count + columns - 1) / columns, columns: columns, tileHeight: h, tileWidth: w)
        var layout = GridLayout(columns: args.optionalInt("columns"), padding: args.int("padding"), scale: args.int("scale"),
                                background: UInt8(unitLevel: args.number("background")))
        let requested = args.isGiven("scaling") ? args.string("scaling") : defaultScaling
        layout.scaling = scaling(requested, tiles: shown)
        return Image.grid(tiles: shown, tileHeight: h, tileWidth: w, layout: layout)
    }

    /// The pixels of a grid of tiles, padded and magnified, checked against the memory budget
    /// before the image is allocated.
    private static func reserveGrid(_ args: Arguments, rows: Int, columns: Int, tileHeight h: Int, tileWidth w: Int) throws {
        let (pad, scale) = (args.int("padding"), args.int("scale"))
        let width = MemoryBudget.product(columns, w + pad), height = MemoryBudget.product(rows, h + pad)
        // The grid, its magnified copy, and RGB at most.
        let bytes = MemoryBudget.product(width, height, scale, scale, 3, 2)
        try args.reserveMemory(bytes, for: "a \(rows) × \(columns) grid of \(h)×\(w) tiles at scale \(scale)",
                               lower: "limit or scale")
    }

    private static func tiles(from value: Value, _ args: Arguments, argument: String) throws -> ([[Float]], Int, Int) {
        switch value {
        case .object(let o as Dataset):
            guard let shape = o.imageShape else {
                throw args.error(argument, "the data set's examples have no image shape",
                                 hint: "give one: dataset(d.x, height: H, width: W)")
            }
            let d = o.dimension
            return ((0..<o.count).map { Array(o.examples.scalars[($0 * d)..<(($0 + 1) * d)]) }, shape.height, shape.width)
        default:
            guard let t = tensorValue(value) else {
                throw args.error(argument, "cannot draw \(describe(value))", hint: "draw a data set, a tensor or an image")
            }
            switch t.rank {
            case 2: return ([t.scalars], t.shape[0], t.shape[1])
            case 3:
                let n = t.shape[1] * t.shape[2]
                return ((0..<t.shape[0]).map { Array(t.scalars[($0 * n)..<(($0 + 1) * n)]) }, t.shape[1], t.shape[2])
            case 1:
                let (h, w) = squareShape(t.count) ?? (1, t.count)
                return ([t.scalars], h, w)
            default:
                throw args.error(argument, "cannot draw a tensor \(shapeText(t.shape))",
                                 hint: "a matrix draws as one image, a rank-3 tensor [n, h, w] as a grid")
            }
        }
    }

    private static func scaling(_ name: String, tiles: [[Float]]) -> IntensityScaling {
        switch name {
        case "unit": return .unit
        case "tile": return .perTile
        case "global": return .global
        case "symmetric": return .symmetric
        case "symmetric_tile": return .symmetricPerTile
        default:
            let inUnit = tiles.allSatisfy { $0.allSatisfy { $0.isNaN || ($0 >= 0 && $0 <= 1) } }
            return inUnit ? .unit : .global
        }
    }
}
