import EBM
import EBMIO
import Foundation

/// Saving and loading models: ebm's own format (docs/model-format.md), which round-trips every
/// bit, and NumPy's .npy files, which move weights to and from Python.
extension Command {
    static let save = Command(
        "save", category: .files,
        summary: "write a model and its training state to a file in ebm's format (exact; docs/model-format.md)",
        parameters: [Parameter("model", .object(storableKinds), "the model: an RBM (Bernoulli or Gaussian visible units), a DBN, a Boltzmann machine, an energy (mlp_energy, gaussian, mixture, double_well) or a score model"), Parameter("path", .path, "the file to write, e.g. \"models/bars.ebm-model\""),
                     Parameter("buffer", .bool, default: .bool(false), "also write a neural energy's replay buffer (langevin-ml), so training continues exactly").byNameOnly()],
        details: """
        Every kind of model: RBMs (Bernoulli or Gaussian visible units, σ included), DBNs (every
        layer, how it was trained, untied recognition weights), Boltzmann machines, energies
        (mlp_energy, gaussian, mixture, double_well) and score models. A trained model keeps its trainer: the history, momentum or
        Adam's moments, persistent chains, random streams and settings, so that after load,
        train with the same settings continues exactly where the saved model stopped (2 epochs,
        save, load, 2 more = 4 in one go). A neural energy's replay buffer is written only with
        buffer: true; without it, the loaded trainer's chains start from noise until it refills.
        Missing folders are created. The file is written atomically: a failed save never leaves half a file.
        """
    ) { args, context in
        let m = try storableModel(args)
        let path = args.string("path")
        let resolved = context.resolve(path)
        if args.bool("buffer") {
            guard let e = m as? EnergyValue, case .neural = e.kind else {
                throw args.error("buffer", "only a neural energy trained with method: \"langevin-ml\" has a replay buffer")
            }
        }
        try fileErrors(args, "path") {
            // Missing folders are created, as png does.
            try FileManager.default.createDirectory(atPath: (resolved as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try ModelFile.write(m.fileContents, to: resolved, buffer: args.bool("buffer"))
        }
        context.write("saved \(m.summary) to \(context.shownPath(path))\n")
        return .none
    }

    static let load = Command(
        "load", category: .files,
        summary: "read a model written by save, with its training state",
        parameters: [Parameter("path", .path, "the model file")],
        details: "Reads every version of the format (version 1 files, from before training state was saved, hold an RBM)."
    ) { args, context in
        let contents = try fileErrors(args, "path") { try ModelFile.read(path: context.resolve(args.string("path"))) }
        return loadedValue(from: contents)
    }

    static let exportNPY = Command(
        "export_npy", category: .files,
        summary: "write a model's parameters as .npy files (and model.json) to a folder, for NumPy and PyTorch",
        parameters: [anyModelParameter("the model: an RBM, a Boltzmann machine, an energy, a score model or a DBN"), Parameter("folder", .path, "the folder to write into (created if missing)")],
        details: """
        One .npy file per parameter array, and model.json with the kind and sizes
        (docs/model-format.md lists every kind). An RBM's W.npy (hidden × visible), b.npy and
        c.npy are scikit-learn's BernoulliRBM components_, intercept_hidden_ and
        intercept_visible_; an MLP's W0.npy, b0.npy, … are PyTorch nn.Linear weights and biases.
        Training state is not exported (save keeps it). In Python: W = np.load("folder/W.npy").
        A Gaussian–Bernoulli RBM adds sigma.npy (σ per visible unit). A DBN writes one folder per
        layer, folder/layer1, folder/layer2, …, each in the RBM layout (b the upper units, c the
        lower units) with its own model.json, plus R.npy and r.npy where up-down untied them.
        """
    ) { args, context in
        let m = try storableModel(args)
        let folder = context.resolve(args.string("folder"))
        let written = try fileErrors(args, "folder") { () -> [(file: String, shape: [Int])] in
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return try NPYFolder.write(m.fileContents.model, to: folder)
        }
        let files = written.map { "\($0.file) \(shapeText($0.shape))" }
        context.write("wrote " + (files.isEmpty ? "model.json" : files.joined(separator: ", ")) + " to \(context.shownPath(args.string("folder")))\n")
        return .none
    }

    static let importNPY = Command(
        "import_npy", category: .files,
        summary: "a model from a folder written by export_npy, an RBM from W.npy (hidden × visible), b.npy and c.npy, or a DBN from layer1/, layer2/, …",
        parameters: [Parameter("folder", .path, "the folder holding model.json and the .npy files, or an RBM's W.npy, b.npy and c.npy"),
                     Parameter("height", .optional(.integer(min: 1, max: nil)), default: Value.none, "an RBM's image height of the visible layer"),
                     Parameter("width", .optional(.integer(min: 1, max: nil)), default: Value.none, "an RBM's image width of the visible layer")]
    ) { args, context in
        let folder = context.resolve(args.string("folder"))
        var model = try fileErrors(args, "folder") { try NPYFolder.read(folder: folder) }
        if args.isGiven("height") || args.isGiven("width") {
            guard case .rbm(let m, _) = model else {
                throw args.error(args.isGiven("height") ? "height" : "width", "height and width are an RBM's image shape; this folder holds a model of kind \(model.kind)")
            }
            model = .rbm(m, imageShape: try imageShape(args, count: m.visible))
        }
        return loadedValue(from: ModelFile.Contents(model: model))
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
