import EBM
import EBMIO

extension Command {
    static let image = Command(
        "image", category: .images,
        summary: "a picture of a value: a data set's examples as tiles, a matrix as one image",
        parameters: [Parameter("value", .any, "a data set, a tensor or an image")] + ImageConversion.parameters,
        details: """
        A data set draws its first `limit` examples as a grid; a matrix draws as one image; a
        tensor [n, h, w] as a grid of n tiles. An image value prints as block characters.
        Example:
          img = image(bars_and_stripes(3), columns: 8, padding: 1)
        """
    ) { args, _ in .object(try ImageConversion.image(from: args["value"], args, argument: "value")) }

    static let png = Command(
        "png", category: .images,
        summary: "write a value as a PNG file (through libpng): data sets as grids, matrices, images",
        parameters: [Parameter("value", .any, "a data set, a tensor or an image"),
                     Parameter("path", .path, "where to write; relative paths are relative to the notebook (or the current folder)")]
            + ImageConversion.parameters,
        details: """
        Missing folders are created; the file is written atomically (a temporary file, then a
        rename), so a failed write never leaves half a file. In a notebook, the image is
        referenced after the block's output.
        Example:
          png(bars_and_stripes(4), "images/bars.png", columns: 8, scale: 4)
        """
    ) { args, context in
        let path = args.string("path")
        guard path.lowercased().hasSuffix(".png") else {
            throw args.error("path", "the file name should end in .png, got \"\(path)\"", hint: "e.g. \"images/samples.png\"")
        }
        let picture = try ImageConversion.image(from: args["value"], args, argument: "value")
        let resolved = context.resolve(path)
        try fileErrors(args, "path") { try PNG.write(picture, to: resolved) }
        context.didWrite(resolved)
        context.write("wrote \(path) (\(picture.summary))\n")
        return .none
    }

    static let show = Command(
        "show", category: .images,
        summary: "draw a value in the terminal with block characters (images, data sets, matrices)",
        parameters: [Parameter("value", .any, "what to draw")] + ImageConversion.parameters
            + [Parameter("width", .integer(min: 8, max: 1000), default: .number(80), "the most text columns to use")],
        details: """
        Binary pictures use half blocks (two pixel rows per line); grey ones use the shades ░▒▓█.
        Values that are not pictures print in full.
        Example:
          show bars_and_stripes(3)
        """
    ) { args, context in
        let value = args["value"]
        let drawable: Bool
        switch value {
        case .object(let o as any ModelValue):
            // A model draws as its filters when it has them and x has a picture's shape.
            drawable = o.filterTiles != nil && (o.imageShape ?? ImageConversion.squareShape(o.parameterized.dimension)) != nil
        case .object(let o): drawable = o is Image || o is Dataset || o is ChainValue
        case .tensor(let t): drawable = t.rank >= 1 && t.rank <= 3
        default: drawable = false
        }
        guard drawable else {
            context.write(context.format.render(value) + "\n")
            return .none
        }
        let picture = try ImageConversion.image(from: value, args, argument: "value")
        context.write(picture.terminalText(maxColumns: args.int("width")))
        return .none
    }
}
