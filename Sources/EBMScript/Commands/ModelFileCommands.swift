import EBM
import EBMIO
import Foundation

/// Saving and loading models: ebm's own format (docs/model-format.md), which round-trips every
/// bit, and NumPy's .npy files, which move weights to and from Python.
extension Command {
    static let save = Command(
        "save", category: .files,
        summary: "write a model to a file in ebm's format (exact; docs/model-format.md)",
        parameters: [modelParameter, Parameter("path", .path, "the file to write, e.g. \"models/bars.ebm-model\"")],
        details: "Missing folders are created. The file is written atomically: a failed save never leaves half a file."
    ) { args, context in
        let m = try model(args)
        let path = args.string("path")
        let resolved = context.resolve(path)
        try fileErrors(args, "path") {
            // Missing folders are created, as png does.
            try FileManager.default.createDirectory(atPath: (resolved as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try ModelFile.write(m.machine, imageShape: m.imageShape, to: resolved)
        }
        context.write("saved \(m.summary) to \(path)\n")
        return .none
    }

    static let load = Command(
        "load", category: .files,
        summary: "read a model written by save",
        parameters: [Parameter("path", .path, "the model file")]
    ) { args, context in
        let (machine, shape) = try fileErrors(args, "path") { try ModelFile.read(path: context.resolve(args.string("path"))) }
        return .object(RBMValue(machine, imageShape: shape))
    }

    static let exportNPY = Command(
        "export_npy", category: .files,
        summary: "write W.npy (hidden × visible), b.npy and c.npy to a folder, for NumPy",
        parameters: [Parameter("model", .object(["rbm", "dbn"]), "an RBM or a DBN"), Parameter("folder", .path, "the folder to write into (created if missing)")],
        details: """
        The layout of scikit-learn's BernoulliRBM: W.npy is components_, b.npy intercept_hidden_,
        c.npy intercept_visible_. In Python: W = np.load("folder/W.npy").
        A DBN writes one folder per layer, folder/layer1, folder/layer2, …, each in that layout
        (b the upper units, c the lower units), plus R.npy and r.npy where up-down untied them.
        """
    ) { args, context in
        if let d = args.object("model", as: DBNValue.self) { return try exportDBN(d, args, context) }
        let m = try model(args).machine
        let folder = context.resolve(args.string("folder"))
        try fileErrors(args, "folder") {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try NPY.write(m.weightMatrix, to: folder + "/W.npy")
            try NPY.write(Tensor(shape: [m.hidden], scalars: m.b), to: folder + "/b.npy")
            try NPY.write(Tensor(shape: [m.visible], scalars: m.c), to: folder + "/c.npy")
        }
        context.write("wrote W.npy \(shapeText([m.hidden, m.visible])), b.npy [\(m.hidden)], c.npy [\(m.visible)] to \(args.string("folder"))\n")
        return .none
    }

    static let importNPY = Command(
        "import_npy", category: .files,
        summary: "an RBM from W.npy (hidden × visible), b.npy and c.npy in a folder",
        parameters: [Parameter("folder", .path, "the folder holding W.npy, b.npy and c.npy"),
                     Parameter("height", .optional(.integer(min: 1, max: nil)), default: Value.none, "image height of the visible layer"),
                     Parameter("width", .optional(.integer(min: 1, max: nil)), default: Value.none, "image width of the visible layer")]
    ) { args, context in
        let folder = context.resolve(args.string("folder"))
        let (W, b, c) = try fileErrors(args, "folder") {
            (try NPY.read(path: folder + "/W.npy"), try NPY.read(path: folder + "/b.npy"), try NPY.read(path: folder + "/c.npy"))
        }
        guard W.rank == 2, b.rank == 1, c.rank == 1, W.shape[0] == b.count, W.shape[1] == c.count else {
            throw args.error("folder", "the arrays do not fit together: W \(shapeText(W.shape)), b \(shapeText(b.shape)), c \(shapeText(c.shape))",
                             hint: "W must be hidden × visible, b of length hidden, c of length visible")
        }
        let shape = try imageShape(args, count: c.count)
        return .object(RBMValue(RestrictedBoltzmannMachine(W: W.scalars, b: b.scalars, c: c.scalars), imageShape: shape))
    }

    static let filters = Command(
        "filters", category: .images,
        summary: "each hidden unit's weights W_j drawn as an image of the visible layer, tiled",
        parameters: [modelParameter] + ImageConversion.parameters,
        details: """
        003's debugging advice: filters should look like strokes and parts of the data, not noise.
        Weights are drawn with 0 as mid-grey, positive lighter, negative darker (scaling:
        "symmetric_tile" by default: each filter uses its full contrast).
        Example:
          png(filters(m, columns: 8, scale: 4), "images/filters.png")
        """
    ) { args, _ in
        .object(try ImageConversion.image(from: args["model"], args, argument: "model"))
    }
}

/// Runs a file operation, turning a `FileError` into a located error about argument `name`.
func fileErrors<T>(_ args: Arguments, _ name: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as FileError {
        throw args.error(name, e.message)
    } catch let e as CocoaError {
        throw args.error(name, e.localizedDescription)
    }
}
