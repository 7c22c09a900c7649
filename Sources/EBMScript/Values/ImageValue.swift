import EBM

/// An image as a language value. It prints as a header line and the picture in Unicode block
/// characters, so a notebook records what a terminal shows.
extension Image: ScriptObject {
    public var kindName: String { "image" }

    public var summary: String { "\(width)×\(height) \(channels == 1 ? "grey" : "RGB")" }

    public func render(_ format: ValueFormat) -> String {
        "image \(summary)\n" + terminalText(maxColumns: 80).dropLast()
    }

    /// The block-character picture, with a note when it had to be shrunk to fit.
    func terminalText(maxColumns: Int) -> String {
        var text = blockText(maxColumns: maxColumns)
        let drawnWidth = text.split(separator: "\n").map(\.count).max() ?? 0
        // Grey images use two characters per pixel, binary ones one: either way, a picture
        // narrower than the image's own width in characters was shrunk.
        if drawnWidth < width && width > maxColumns / 2 {
            text += "(shrunk to fit \(maxColumns) columns; png(...) writes it at full size)\n"
        }
        return text
    }

    public var propertyNames: [String] { ["width", "height", "channels", "pixels"] }

    public func property(_ name: String) throws -> Value? {
        switch name {
        case "width": return .number(Double(width))
        case "height": return .number(Double(height))
        case "channels": return .number(Double(channels))
        case "pixels":
            // Intensities in [0, 1], height × width (× 3 for RGB).
            let shape = channels == 1 ? [height, width] : [height, width, channels]
            return .tensor(Tensor(shape: shape, scalars: pixels.map { Float($0) / 255 }))
        default: return nil
        }
    }
}
