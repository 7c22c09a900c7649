import EBM

/// ebm's own model files: a short text header, then the parameters (and, when the model has been
/// trained, its training state) as raw little-endian numbers, so a model round-trips bit for bit
/// and other tools can read it with a few lines of code (docs/model-format.md shows how, from
/// Python with `np.frombuffer`).
///
/// Version 2 (written now) stores every kind of model — RBMs, fully visible Boltzmann machines,
/// MLP energies, closed-form energies and score models — in the layout of `ModelContainer`, with
/// the trainer's state (history, momentum or Adam's moments, persistent chains, random streams,
/// the settings continuation compares, and the replay buffer on request), so that training 2
/// epochs, saving, loading and training 2 more is bit-identical to training 4. Version 1 (RBMs
/// only, parameters only) is still read:
///
///     ebm-model 1                      format name and version
///     kind rbm                         the kind of model
///     visible 784                      D, the number of visible units
///     hidden 500                       H, the number of hidden units
///     image 28 28                      optional: height and width of the images (height × width = D)
///     data W float32-le 500x784        W, H × D, row-major
///     data b float32-le 500            b, the hidden bias
///     data c float32-le 784            c, the visible bias
///     end
///
/// followed immediately by the arrays' bytes in the order of their `data` lines. Reading checks
/// every line and reports the line number of a bad one; sizes that disagree, truncated data and
/// trailing bytes are errors too.
public enum ModelFile {
    /// The format version this code writes.
    public static let version = 2
    /// The versions it reads.
    public static let readableVersions = [1, 2]

    /// A model, of any kind a file holds.
    public enum Model: Sendable {
        case rbm(RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?)
        case boltzmann(FullyVisibleBoltzmannMachine)
        case mlpEnergy(NeuralEnergy)
        case gaussian(GaussianEnergy)
        case mixture(MixtureEnergy)
        case doubleWell(DoubleWellEnergy)
        case scoreModel(ScoreModel)
        case gaussianRBM(GaussianBernoulliRBM, imageShape: (height: Int, width: Int)?)
        case dbn(DeepBeliefNetwork, imageShape: (height: Int, width: Int)?)

        /// The `kind` line of its file.
        public var kind: String {
            switch self {
            case .rbm: return "rbm"
            case .boltzmann: return "boltzmann"
            case .mlpEnergy: return "mlp-energy"
            case .gaussian: return "gaussian"
            case .mixture: return "mixture"
            case .doubleWell: return "double-well"
            case .scoreModel: return "score-model"
            case .gaussianRBM: return "gaussian-rbm"
            case .dbn: return "dbn"
            }
        }

        public static let kinds = ["rbm", "boltzmann", "mlp-energy", "gaussian", "mixture", "double-well", "score-model", "gaussian-rbm", "dbn"]
    }

    /// A trainer with the state it carries between `train` calls.
    public enum Trainer: Sendable {
        case rbm(RBMTrainer)
        case boltzmann(BoltzmannTrainer)
        case langevin(LangevinMaximumLikelihood)
        case scoreMatching(ScoreMatchingTrainer)
        case gaussianRBM(GaussianRBMTrainer)
        /// A DBN's greedy layer-wise trainer (with each layer's RBM trainer) and up-down fine-tuning.
        case dbn(GreedyLayerwiseTrainer, UpDownFineTuning?)
    }

    /// What a file holds: the model, and its trainer (whose settings decide, by value, whether a
    /// new `train` call continues it).
    public struct Contents: Sendable {
        public var model: Model
        public var trainer: Trainer?
        public init(model: Model, trainer: Trainer? = nil) {
            self.model = model
            self.trainer = trainer
        }
    }

    /// Writes `contents` atomically (a failed write leaves the old file); the replay buffer of a
    /// Langevin trainer only when `buffer` is true.
    public static func write(_ contents: Contents, to path: String, buffer: Bool = false) throws {
        try AtomicFile.write(encode(contents, buffer: buffer, path: path), to: path)
    }

    /// Reads a file written by `write` (version 2) or by an older ebm (version 1, an RBM).
    public static func read(path: String) throws -> Contents {
        try decode(NPY.readBytes(path: path, kind: "an ebm model file"), path: path)
    }

    /// Writes `rbm` (and the image shape of its visible units, if any) atomically, with no trainer.
    public static func write(_ rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?, to path: String) throws {
        try write(Contents(model: .rbm(rbm, imageShape: imageShape)), to: path)
    }

    /// Reads a file that must hold an RBM.
    public static func readRBM(path: String) throws -> (rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?) {
        let contents = try read(path: path)
        guard case .rbm(let rbm, let shape) = contents.model else {
            throw FileError(path: path, message: "cannot read \(path) as an RBM: it holds a model of kind `\(contents.model.kind)`")
        }
        return (rbm, shape)
    }

    // MARK: Encoding

    /// The bytes `write` puts in the file; `path` only names the file in error messages.
    public static func encode(_ contents: Contents, buffer: Bool = false, path: String) throws -> [UInt8] {
        let file = ModelContainer(kind: contents.model.kind, path: path)
        try encodeModel(contents.model, into: file)
        if let trainer = contents.trainer { encodeTrainer(trainer, model: contents.model, buffer: buffer, into: file) }
        return file.encode()
    }

    /// The bytes of an RBM's file with no trainer.
    public static func encode(_ rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?, path: String) throws -> [UInt8] {
        try encode(Contents(model: .rbm(rbm, imageShape: imageShape)), path: path)
    }

    // MARK: Decoding

    /// What the bytes of a model file hold; `path` only names the file in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Contents {
        func fail(_ message: String) -> FileError { FileError(path: path, message: "cannot read \(path) as an ebm model: \(message)") }
        guard bytes.starts(with: Array("ebm-model ".utf8)) || bytes.starts(with: Array("ebm-model\n".utf8)) else {
            var hint = ""
            if bytes.starts(with: [0x93] + Array("NUMPY".utf8)) {
                hint = " (it is a NumPy .npy file: read the parameters with import_npy instead)"
            } else if bytes.isEmpty {
                hint = " (the file is empty)"
            }
            throw fail("it does not start with the line `ebm-model \(version)`, so it is not an ebm model file\(hint)")
        }
        var reader = HeaderLines(bytes: bytes)
        let words: [Substring]
        do { words = try reader.next().words } catch let e as HeaderLines.Failure { throw fail(e.message(expecting: "ebm-model \(version)")) }
        guard words.count == 2, words[0] == "ebm-model" else {
            throw fail("line 1: expected `ebm-model \(version)`, found `\(words.joined(separator: " "))`")
        }
        switch words[1] {
        case "1":
            let (rbm, shape) = try decodeVersion1(bytes, path: path)
            return Contents(model: .rbm(rbm, imageShape: shape))
        case "2":
            let file = try ModelContainer(decoding: bytes, path: path)
            let model = try decodeModel(file)
            let trainer = try decodeTrainer(file, model: model)
            try file.finish()
            return Contents(model: model, trainer: trainer)
        default:
            let newer = Int(words[1]).map { $0 > version } ?? false
            throw fail("line 1: the file is format version \(words[1]), this ebm reads versions \(readableVersions.map(String.init).joined(separator: " and "))"
                       + (newer ? " (it was written by a newer ebm: update ebm)" : ""))
        }
    }

    // MARK: Decoding

    /// The RBM in the bytes of a version 1 file (the format before training state was saved);
    /// `path` only names the file in error messages.
    static func decodeVersion1(_ bytes: [UInt8], path: String) throws -> (rbm: RestrictedBoltzmannMachine, imageShape: (height: Int, width: Int)?) {
        let what = "cannot read \(path) as an ebm model"
        func fail(_ message: String) -> FileError { FileError(path: path, message: "\(what): \(message)") }

        var reader = HeaderLines(bytes: bytes)
        func line(_ expected: String) throws -> (number: Int, words: [Substring]) {
            do {
                return try reader.next()
            } catch let e as HeaderLines.Failure {
                throw fail(e.message(expecting: expected))
            }
        }
        func number(_ word: Substring, _ name: String, line n: Int) throws -> Int {
            guard word.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  word.utf8.count <= 9, let value = Int(word), value >= 1 else {
                throw fail("line \(n): \(name) must be a whole number from 1 to 999999999, found `\(word)`")
            }
            return value
        }

        // ebm-model 1 (checked by `decode`)
        var (n, words) = try line("ebm-model 1")

        // kind rbm
        (n, words) = try line("kind rbm")
        guard words.count == 2, words[0] == "kind" else {
            throw fail("line \(n): expected `kind rbm`, found `\(words.joined(separator: " "))`")
        }
        guard words[1] == "rbm" else {
            throw fail("line \(n): the model kind `\(words[1])` is unknown in a version 1 file, which holds `kind rbm` (restricted Boltzmann machines)")
        }

        // visible D, hidden H
        (n, words) = try line("visible D")
        guard words.count == 2, words[0] == "visible" else {
            throw fail("line \(n): expected `visible D` (the number of visible units), found `\(words.joined(separator: " "))`")
        }
        let d = try number(words[1], "the number of visible units", line: n)
        (n, words) = try line("hidden H")
        guard words.count == 2, words[0] == "hidden" else {
            throw fail("line \(n): expected `hidden H` (the number of hidden units), found `\(words.joined(separator: " "))`")
        }
        let h = try number(words[1], "the number of hidden units", line: n)

        // image HEIGHT WIDTH (optional)
        var imageShape: (height: Int, width: Int)?
        (n, words) = try line("data W float32-le \(h)x\(d)")
        if words.first == "image" {
            guard words.count == 3 else {
                throw fail("line \(n): expected `image HEIGHT WIDTH`, found `\(words.joined(separator: " "))`")
            }
            let height = try number(words[1], "the image height", line: n)
            let width = try number(words[2], "the image width", line: n)
            guard height * width == d else {
                throw fail("line \(n): the image shape \(height)×\(width) has \(height * width) pixels, but the model has \(d) visible units")
            }
            imageShape = (height, width)
            (n, words) = try line("data W float32-le \(h)x\(d)")
        }

        // data NAME float32-le SHAPE, for W, b, c
        let arrays: [(name: String, shape: [Int], meaning: String)] = [
            ("W", [h, d], "hidden × visible"), ("b", [h], "hidden"), ("c", [d], "visible"),
        ]
        for (k, array) in arrays.enumerated() {
            if k > 0 { (n, words) = try line("data \(array.name) float32-le \(array.shape.map(String.init).joined(separator: "x"))") }
            let expected = "data \(array.name) float32-le \(array.shape.map(String.init).joined(separator: "x"))"
            guard words.count == 4, words[0] == "data", words[1] == array.name else {
                throw fail("line \(n): expected `\(expected)`, found `\(words.joined(separator: " "))`")
            }
            guard words[2] == "float32-le" else {
                throw fail("line \(n): the element type `\(words[2])` of \(array.name) is not supported; model files hold `float32-le` (little-endian float32)")
            }
            let dims = words[3].split(separator: "x", omittingEmptySubsequences: false)
                .flatMap { $0.split(separator: "×", omittingEmptySubsequences: false) }
            let parsed = try dims.map { try number(Substring($0), "each size of \(array.name)", line: n) }
            guard parsed == array.shape else {
                throw fail("line \(n): \(array.name) is declared as \(words[3]), but a model with \(h) hidden and \(d) visible units needs \(array.shape.map(String.init).joined(separator: "x")) (\(array.meaning))")
            }
        }

        // end
        (n, words) = try line("end")
        guard words == ["end"] else {
            throw fail("line \(n): expected `end` after the data lines, found `\(words.joined(separator: " "))`")
        }

        // The data.
        let count = h * d + h + d
        let needed = 4 * count
        let present = bytes.count - reader.position
        guard present >= needed else {
            throw fail("the file is truncated: the header declares \(count) float32 values (\(needed) bytes) but only \(present) bytes follow it")
        }
        guard present == needed else {
            throw fail("the file has \(present - needed) unexpected bytes after the \(needed) bytes of data its header declares (is the file damaged?)")
        }
        let values: [Float] = bytes.withUnsafeBytes { raw in
            (0..<count).map { k in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: reader.position + 4 * k, as: UInt32.self)))
            }
        }
        let rbm = RestrictedBoltzmannMachine(W: Array(values[0..<(h * d)]), b: Array(values[(h * d)..<(h * d + h)]),
                                             c: Array(values[(h * d + h)...]))
        return (rbm, imageShape)
    }

}
