import EBM
import EBMIO
import Foundation

extension Command {
    static let idx = Command(
        "idx", category: .data,
        summary: "read an IDX file (MNIST's format), gzipped or not, as a data set scaled to [0, 1]",
        parameters: [
            Parameter("path", .path, "the images file, e.g. train-images-idx3-ubyte.gz"),
            Parameter("labels", .optional(.path), default: Value.none, "the matching labels file"),
            Parameter("binarize", .optional(.probability), default: Value.none, "make each pixel 1 if above this threshold, else 0"),
            Parameter("limit", .optional(.integer(min: 1, max: nil)), default: Value.none, "read only the first this many examples"),
        ]
    ) { args, context in
        try readIDX(args, context, images: args.string("path"), labels: args.optionalString("labels"))
    }

    static let fashionMNIST = Command(
        "fashion_mnist", category: .data,
        summary: "Fashion-MNIST (28×28 grey clothing images) from Debian's dataset-fashion-mnist",
        parameters: [
            Parameter("split", .choice(["train", "test"]), default: .string("train"), "60,000 training or 10,000 test images"),
            Parameter("binarize", .optional(.probability), default: Value.none, "make each pixel 1 if above this threshold, else 0"),
            Parameter("limit", .optional(.integer(min: 1, max: nil)), default: Value.none, "read only the first this many examples"),
        ],
        details: """
        Reads \(FashionMNIST.folder)/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz, with labels
        (0 T-shirt, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker, 8 bag,
        9 ankle boot). When the files are missing it says which package to install.
        Example:
          train_set = fashion_mnist(binarize: 0.5, limit: 5000)
        """
    ) { args, context in
        let split = args.string("split") == "train" ? "train" : "t10k"
        let images = "\(FashionMNIST.folder)/\(split)-images-idx3-ubyte.gz"
        guard FileManager.default.fileExists(atPath: images) else {
            throw ScriptError(.io, "fashion_mnist: \(FashionMNIST.missing)", at: args.callLocation,
                              hint: "install it with: sudo apt-get install \(FashionMNIST.package)")
        }
        var value = try readIDX(args, context, images: images, labels: "\(FashionMNIST.folder)/\(split)-labels-idx1-ubyte.gz")
        if case .object(var d as Dataset) = value {
            d.name = "fashion_mnist(\(args.string("split")))"
            value = .object(d)
        }
        return value
    }

    static let needsData = Command(
        "needs_data", category: .data,
        summary: "skip the rest of a notebook (printing 'skip: ...') when a data set is not installed",
        parameters: [Parameter("name", .choice(["fashion-mnist"]), "the data set the notebook needs")],
        details: """
        Put it first in a notebook that needs data a machine may lack: `ebm check` then reports
        the notebook as skipped, not failed. With the data present it prints nothing.
        """
    ) { _, context in
        if !FileManager.default.fileExists(atPath: "\(FashionMNIST.folder)/train-images-idx3-ubyte.gz") {
            context.write("skip: \(FashionMNIST.missing) (install: sudo apt-get install \(FashionMNIST.package))\n")
        }
        return .none
    }
}

enum FashionMNIST {
    static let folder = "/usr/share/datasets/fashion-mnist"
    static let package = "dataset-fashion-mnist"
    static let missing = "Fashion-MNIST is not installed (no \(folder)/train-images-idx3-ubyte.gz)"
}

private func readIDX(_ args: Arguments, _ context: CallContext, images: String, labels: String?) throws -> Value {
    let threshold: Float? = args["binarize"].isNone ? nil : Float(args.number("binarize"))
    do {
        return .object(try IDX.readImages(path: context.resolve(images), labels: labels.map(context.resolve),
                                          binarizeThreshold: threshold,
                                          limit: args.optionalInt("limit")))
    } catch let e as FileError {
        throw ScriptError(.io, "\(args.command.name): \(e.message)", at: args.callLocation)
    }
}
