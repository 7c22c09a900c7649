import EBM
import Foundation

/// A model as a folder of NumPy `.npy` files, one per parameter array, and `model.json` with
/// what is not an array (the kind, sizes, activation). docs/model-format.md gives the layout of
/// each kind; the MLP weights are in PyTorch's `nn.Linear` layout (outputs × inputs), an RBM's
/// in scikit-learn's `BernoulliRBM` layout. Parameters ebm keeps in float64 (Boltzmann machines,
/// closed-form energies, noise levels) are written as `<f8`, the others as `<f4`: both read back
/// bit for bit. Training state is not exported: `save` keeps it.
public enum NPYFolder {
    /// The format of `model.json`.
    public static let format = "ebm-npy 1"

    /// Writes `model` into `folder` (which must exist); returns the files written with their shapes.
    @discardableResult
    public static func write(_ model: ModelFile.Model, to folder: String) throws -> [(file: String, shape: [Int])] {
        let file = ModelContainer(kind: model.kind, path: folder)
        try ModelFile.encodeModel(model, into: file)
        var written: [(String, [Int])] = []
        var json = "{\n  \"format\": \"\(format)\",\n  \"kind\": \"\(model.kind)\""
        for f in file.fields {
            let items = f.values.map { Double($0) != nil ? $0 : "\"\($0)\"" }
            let list = f.key == "image" || f.key == "widths" || f.values.count > 1
            json += ",\n  \"\(f.key)\": " + (list ? "[" + items.joined(separator: ", ") + "]" : items.joined())
        }
        json += "\n}\n"
        // A DBN's layer l (arrays `layerl_W`, …) goes to the folder layerl, in the RBM layout
        // with a model.json of its own, so each layer also imports alone as an RBM.
        var layerFolders: [String: (visible: String, hidden: String)] = [:]
        if case .dbn(let d, _) = model {
            for l in 1...d.depth {
                let m = d.layer(l)
                try FileManager.default.createDirectory(atPath: folder + "/layer\(l)", withIntermediateDirectories: true)
                layerFolders["layer\(l)_"] = (String(m.visible), String(m.hidden))
            }
        }
        for a in file.arrays {
            var name = a.name
            if let underscore = name.firstIndex(of: "_"), layerFolders[String(name[...underscore])] != nil {
                name = String(name[..<underscore]) + "/" + String(name[name.index(after: underscore)...])
            }
            let path = folder + "/" + name + ".npy"
            switch a.element {
            case .float32: try NPY.write(Tensor(shape: a.shape, scalars: file.storedFloats(a)), to: path)
            case .float64: try NPY.write(doubles: file.storedDoubles(a), shape: a.shape, to: path)
            case .utf8: continue   // text (a DBN layer's training settings) stays in ebm's own files
            case .uint64: preconditionFailure("model parameters are floats")
            }
            written.append((name + ".npy", a.shape))
        }
        for (prefix, sizes) in layerFolders.sorted(by: { $0.key < $1.key }) {
            let layer = "{\n  \"format\": \"\(format)\",\n  \"kind\": \"rbm\",\n  \"visible\": \(sizes.visible),\n  \"hidden\": \(sizes.hidden)\n}\n"
            try AtomicFile.write(layer, to: folder + "/" + String(prefix.dropLast()) + "/model.json")
        }
        try AtomicFile.write(json, to: folder + "/model.json")
        return written
    }

    /// Reads a folder written by `write`, or (with no `model.json`) an RBM's W.npy, b.npy and c.npy
    /// as scikit-learn names them. Every check of a model file applies, naming the `.npy` file or
    /// the `model.json` entry at fault.
    public static func read(folder: String) throws -> ModelFile.Model {
        let what = "cannot read the model in \(folder)"
        func fail(_ message: String) -> FileError { FileError(path: folder, message: "\(what): \(message)") }
        let jsonPath = folder + "/model.json"
        var fields: [(String, [String])] = []
        var kind = "rbm"
        if FileManager.default.fileExists(atPath: jsonPath) {
            let bytes = try NPY.readBytes(path: jsonPath, kind: "a JSON file")
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)), let dict = object as? [String: Any] else {
                throw fail("model.json is not a JSON object such as {\"kind\": \"rbm\", …} (is it damaged?)")
            }
            guard let k = dict["kind"] as? String else { throw fail("model.json has no \"kind\" (one of \(ModelFile.Model.kinds.joined(separator: ", ")))") }
            kind = k
            for key in dict.keys.sorted() where key != "kind" && key != "format" {
                guard !key.isEmpty, key != "data", key != "end", key.utf8.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_")
                                                                                || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }) else {
                    throw fail("model.json: \"\(key)\" is not an entry of any model (entries are lower-case names such as \"widths\")")
                }
                let words: [String]
                switch dict[key] {
                case let n as NSNumber: words = [text(n)]
                case let s as String: words = [s]
                case let list as [Any]:
                    words = try list.map { item in
                        if let s = item as? String { return s }
                        guard let n = item as? NSNumber else { throw fail("model.json: \"\(key)\" must be a list of numbers or names") }
                        return text(n)
                    }
                default: throw fail("model.json: \"\(key)\" must be a number, a name or a list of numbers")
                }
                guard words.allSatisfy({ !$0.isEmpty && !$0.contains(where: { $0 == " " || $0 == "\n" || !$0.isASCII }) }) else {
                    throw fail("model.json: \"\(key)\" holds text that is not a plain word")
                }
                fields.append((key, words))
            }
            if let f = dict["format"] as? String, f != format {
                throw fail("model.json is format \"\(f)\"; this ebm reads \"\(format)\"")
            }
        } else if FileManager.default.fileExists(atPath: folder + "/layer1/W.npy") && !FileManager.default.fileExists(atPath: folder + "/W.npy") {
            // A DBN's layer folders without the top model.json (as an earlier ebm exported
            // them, or written by hand): the sizes come from each W, every layer is "given".
            kind = "dbn"
            var l = 1
            while FileManager.default.fileExists(atPath: folder + "/layer\(l)/W.npy") {
                let W = try NPY.read(path: folder + "/layer\(l)/W.npy")
                guard W.rank == 2 else { throw fail("layer\(l)/W.npy must be upper × lower units, found shape \(W.shape)") }
                fields += [("layer\(l)_visible", [String(W.shape[1])]), ("layer\(l)_hidden", [String(W.shape[0])]),
                           ("layer\(l)_origin", ["given"]), ("layer\(l)_trained_epochs", ["0"])]
                l += 1
            }
            fields = [("layers", [String(l - 1)]), ("fine_tuning_epochs", ["0"])] + fields
        } else if !FileManager.default.fileExists(atPath: folder + "/W.npy") {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder)
            throw fail(!exists ? "the folder does not exist (check the name)" : !isFolder.boolValue ? "it is a file, not a folder of .npy files"
                       : "the folder has neither model.json (written by export_npy) nor an RBM's W.npy, b.npy and c.npy")
        }
        // The arrays this kind stores, in the order of its file.
        let names: [(String, ModelContainer.Element)]
        switch kind {
        case "rbm": names = [("W", .float32), ("b", .float32), ("c", .float32)]
        case "gaussian-rbm": names = [("W", .float32), ("b", .float32), ("c", .float32), ("sigma", .float32)]
        case "dbn":
            guard let words = fields.first(where: { $0.0 == "layers" })?.1, words.count == 1, let L = Int(words[0]), L >= 1, L <= 10_000 else {
                throw fail("model.json needs \"layers\": the number of layers, such as 2")
            }
            names = (1...L).flatMap { l -> [(String, ModelContainer.Element)] in
                let untied = FileManager.default.fileExists(atPath: folder + "/layer\(l)/R.npy") || FileManager.default.fileExists(atPath: folder + "/layer\(l)/r.npy")
                return ["W", "b", "c"].map { ("layer\(l)_" + $0, .float32) } + (untied ? [("layer\(l)_R", .float32), ("layer\(l)_r", .float32)] : [])
            }
        case "boltzmann": names = [("W", .float64), ("b", .float64)]
        case "gaussian": names = [("mean", .float64), ("covariance", .float64)]
        case "mixture": names = [("means", .float64), ("stds", .float64), ("weights", .float64)]
        case "double-well": names = []
        case "mlp-energy", "score-model":
            guard let widths = fields.first(where: { $0.0 == "widths" })?.1, widths.count >= 2, widths.count <= 1000 else {
                throw fail("model.json needs \"widths\": the layer widths from input to output, such as [2, 64, 1]")
            }
            names = (0..<(widths.count - 1)).flatMap { [("W\($0)", ModelContainer.Element.float32), ("b\($0)", .float32)] }
                + (kind == "score-model" && FileManager.default.fileExists(atPath: folder + "/sigmas.npy") ? [("sigmas", .float64)] : [])
        default:
            throw fail("model.json names the kind \"\(kind)\"; this ebm reads \(ModelFile.Model.kinds.joined(separator: ", "))")
        }
        if kind == "rbm" && !fields.contains(where: { $0.0 == "visible" }) {
            // scikit-learn's three arrays alone: the sizes come from W.
            let W = try NPY.read(path: folder + "/W.npy")
            guard W.rank == 2 else { throw fail("W.npy must be hidden × visible, found shape \(W.shape)") }
            fields = [("visible", [String(W.shape[1])]), ("hidden", [String(W.shape[0])])]
        }
        let file = ModelContainer(kind: kind, path: folder)
        for (key, words) in fields { file.set(key, words) }
        for (name, element) in names {
            let path = folder + "/" + npyPath(name, kind: kind)
            switch element {
            case .float64:
                let (shape, values) = try NPY.readDoubles(path: path)
                file.append(name, values, shape: shape)
            default:
                let t = try NPY.read(path: path)
                file.append(name, t.scalars, shape: t.shape)
            }
        }
        let decoded = try ModelContainer(decoding: file.encode(), path: folder)
        decoded.what = what
        var labels: [Int: String] = [2: "model.json \"kind\""]
        for (k, f) in fields.enumerated() { labels[3 + k] = "model.json \"\(f.0)\"" }
        for (k, n) in names.enumerated() { labels[3 + fields.count + k] = npyPath(n.0, kind: kind) }
        decoded.lineLabels = labels
        let model = try ModelFile.decodeModel(decoded)
        try decoded.finish()
        return model
    }

    /// Where array `name` lives in the folder: `W.npy`, or for a DBN's `layer2_W`, `layer2/W.npy`.
    private static func npyPath(_ name: String, kind: String) -> String {
        guard kind == "dbn", let underscore = name.firstIndex(of: "_") else { return name + ".npy" }
        return String(name[..<underscore]) + "/" + String(name[name.index(after: underscore)...]) + ".npy"
    }

    private static func text(_ n: NSNumber) -> String {
        let d = n.doubleValue
        if d == d.rounded(), abs(d) < 1e15, !String(describing: n).contains(".") { return String(Int64(d)) }
        return "\(d)"
    }
}

extension ModelContainer {
    /// The values of an array added for writing (before `encode`).
    func storedFloats(_ a: ArrayEntry) -> [Float] {
        (0..<a.count).map { k in
            var bits: UInt32 = 0
            for b in 0..<4 { bits |= UInt32(writtenByte(a.offset + 4 * k + b)) << (8 * UInt32(b)) }
            return Float(bitPattern: bits)
        }
    }

    func storedDoubles(_ a: ArrayEntry) -> [Double] {
        (0..<a.count).map { k in
            var bits: UInt64 = 0
            for b in 0..<8 { bits |= UInt64(writtenByte(a.offset + 8 * k + b)) << (8 * UInt64(b)) }
            return Double(bitPattern: bits)
        }
    }
}
