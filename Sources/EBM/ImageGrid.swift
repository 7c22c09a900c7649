/// How float tiles become bytes. Training data, samples and weights live on different scales, so
/// the caller says which view is honest for what it draws.
///
/// Every mode maps a value to x in [0, 1] and then to the byte `round(255 · x)` (halves round up),
/// so x = 0.5 becomes 128. NaN never takes part in a range and is drawn as `GridLayout.background`
/// (in every channel). Infinities are left out of ranges too and clip to black or white.
public enum IntensityScaling: Equatable, Sendable {
    /// Values are already in [0, 1] (pixels, probabilities); anything outside is clipped.
    case unit
    /// Each tile's own min…max stretched to [0, 1]: shows the structure inside every tile.
    case perTile
    /// One min…max over all tiles: tiles stay comparable with each other.
    case global
    /// For weights: 0 → 128 (mid-grey), −m → 0 (black), +m → 255 (white), with m = max |v| over
    /// all tiles, so the sign of a weight is readable and tiles are comparable.
    case symmetric
    /// As `symmetric`, but with m taken per tile: each filter uses the full contrast.
    case symmetricPerTile
}

/// Where tiles go in a grid image and how they are drawn.
public struct GridLayout: Equatable, Sendable {
    /// Tiles per row; nil picks a near-square grid (⌈√n⌉ columns). Never more than the number
    /// of tiles, so a short list does not leave an empty band on the right.
    public var columns: Int?
    /// Background pixels *between* neighbouring tiles (not around the outer edge).
    public var padding: Int
    /// Nearest-neighbour magnification of the finished grid, padding included.
    public var scale: Int
    /// Grey level of padding, of missing tiles, and of NaN values.
    public var background: UInt8
    public var scaling: IntensityScaling

    public init(columns: Int? = nil, padding: Int = 1, scale: Int = 1, background: UInt8 = 0,
                scaling: IntensityScaling = .unit) {
        self.columns = columns
        self.padding = padding
        self.scale = scale
        self.background = background
        self.scaling = scaling
    }
}

extension Image {
    /// One image from many tiles (filters, samples, data), so callers write a whole figure with
    /// one call. Each tile holds `tileHeight * tileWidth * channels` floats, row-major; with
    /// `channels == 3` the channels are interleaved (RGB RGB …), the layout of `Image.pixels`.
    /// Tiles fill the grid row by row; `layout.columns` and `layout.scaling` are honoured.
    public static func grid(tiles: [[Float]], tileHeight: Int, tileWidth: Int, channels: Int = 1,
                            layout: GridLayout = GridLayout()) -> Image {
        let n = tiles.count
        let wanted = layout.columns ?? Int((Double(n).squareRoot()).rounded(.up))
        precondition(wanted >= 1 || n == 0, "a grid needs at least one column, got \(wanted)")
        let columns = n == 0 ? 0 : min(max(wanted, 1), n)
        let rows = columns == 0 ? 0 : (n + columns - 1) / columns
        let placed = tiles.enumerated().map { (row: $0.offset / columns, column: $0.offset % columns, tile: $0.element) }
        return compose(placed, rows: rows, columns: columns, tileHeight: tileHeight, tileWidth: tileWidth,
                       channels: channels, layout: layout)
    }

    /// A grid for sampling chains: row r is chain r and column t is its t-th recorded state, so
    /// time runs left to right. `layout.columns` is ignored; ragged rows leave background.
    public static func grid(rowsOfTiles: [[[Float]]], tileHeight: Int, tileWidth: Int, channels: Int = 1,
                            layout: GridLayout = GridLayout()) -> Image {
        let columns = rowsOfTiles.map(\.count).max() ?? 0
        var placed: [(row: Int, column: Int, tile: [Float])] = []
        for (r, chain) in rowsOfTiles.enumerated() {
            for (t, tile) in chain.enumerated() { placed.append((row: r, column: t, tile: tile)) }
        }
        return compose(placed, rows: columns == 0 ? 0 : rowsOfTiles.count, columns: columns,
                       tileHeight: tileHeight, tileWidth: tileWidth, channels: channels, layout: layout)
    }

    private static func compose(_ placed: [(row: Int, column: Int, tile: [Float])], rows: Int, columns: Int,
                                tileHeight: Int, tileWidth: Int, channels: Int, layout: GridLayout) -> Image {
        precondition(tileHeight >= 1 && tileWidth >= 1, "tile size must be positive, got \(tileHeight)×\(tileWidth)")
        precondition(channels == 1 || channels == 3, "tiles have 1 or 3 channels, not \(channels)")
        precondition(layout.padding >= 0, "padding must not be negative, got \(layout.padding)")
        precondition(layout.scale >= 1, "scale must be at least 1, got \(layout.scale)")
        let tileCount = tileHeight * tileWidth * channels
        for p in placed {
            precondition(p.tile.count == tileCount,
                         "tile has \(p.tile.count) values, expected \(tileHeight)×\(tileWidth)×\(channels) = \(tileCount)")
        }
        let pad = layout.padding
        let width = columns == 0 ? 0 : columns * tileWidth + (columns - 1) * pad
        let height = rows == 0 ? 0 : rows * tileHeight + (rows - 1) * pad
        var image = Image(width: width, height: height, channels: channels, repeating: layout.background)

        let globalMap: ToUnit? = switch layout.scaling {
        case .unit: .unit
        case .global: .minMax(finiteRange(placed.map(\.tile)))
        case .symmetric: .symmetric(finiteMaxMagnitude(placed.map(\.tile)))
        case .perTile, .symmetricPerTile: nil
        }
        let rowStride = width * channels
        image.pixels.withUnsafeMutableBufferPointer { dst in
            for p in placed {
                let map = globalMap ?? (layout.scaling == .perTile ? .minMax(finiteRange([p.tile]))
                                                                    : .symmetric(finiteMaxMagnitude([p.tile])))
                let originX = p.column * (tileWidth + pad), originY = p.row * (tileHeight + pad)
                p.tile.withUnsafeBufferPointer { src in
                    for y in 0..<tileHeight {
                        let out = (originY + y) * rowStride + originX * channels
                        let inp = y * tileWidth * channels
                        for i in 0..<(tileWidth * channels) {
                            let v = src[inp + i]
                            if !v.isNaN { dst[out + i] = map.byte(v) }
                        }
                    }
                }
            }
        }
        return image.scaled(by: layout.scale)
    }

    /// The smallest and largest finite values, or nil when there are none.
    private static func finiteRange(_ tiles: [[Float]]) -> (lo: Float, hi: Float)? {
        var lo = Float.infinity, hi = -Float.infinity
        for tile in tiles {
            tile.withUnsafeBufferPointer { buf in
                for v in buf where v.isFinite {
                    lo = min(lo, v)
                    hi = max(hi, v)
                }
            }
        }
        return lo <= hi ? (lo, hi) : nil
    }

    private static func finiteMaxMagnitude(_ tiles: [[Float]]) -> Float {
        var m: Float = 0
        for tile in tiles {
            tile.withUnsafeBufferPointer { buf in
                for v in buf where v.isFinite { m = max(m, abs(v)) }
            }
        }
        return m
    }
}

/// A resolved value → byte mapping (ranges already measured).
private enum ToUnit {
    case unit
    case minMax((lo: Float, hi: Float)?)
    case symmetric(Float)

    func byte(_ v: Float) -> UInt8 {
        let x: Float
        switch self {
        case .unit:
            x = v
        case .minMax(let range):
            // A constant tile has no range to stretch: draw it as `.unit` would, so an all-0
            // sample is black and an all-1 sample white, rather than dividing by zero.
            if let r = range, r.hi > r.lo { x = (v - r.lo) / (r.hi - r.lo) } else { x = v }
        case .symmetric(let m):
            x = m > 0 ? 0.5 + 0.5 * v / m : (v == 0 ? 0.5 : (v > 0 ? 1 : 0))
        }
        return UInt8(unitLevel: x)
    }
}
