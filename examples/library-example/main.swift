// Using ebm's libraries from Swift, without the language: build a data set, compute with
// tensors on OpenBLAS, write a PNG through libpng, and finally evaluate one line of the language.
import EBM
import EBMIO
import EBMScript

let data = Dataset.barsAndStripes(4)
print("data: \(data.count) examples of \(data.dimension) pixels")

// The Gram matrix of the examples, X Xᵀ, through cblas_sgemm: entry (i, j) counts the pixels
// that examples i and j both have on.
guard let gram = Tensor.matmul(data.examples, data.examples.transposed()) else {
    fatalError("shapes do not match")
}
let allOn = data.count / 2 - 1   // the last stripe pattern has every row on
print("pixels on in the all-on image: \(Int(gram.scalars[allOn * gram.shape[1] + allOn]))")

let picture = Image.grid(tiles: (0..<data.count).map { data.examples.row($0).scalars },
                         tileHeight: 4, tileWidth: 4, layout: GridLayout(columns: 8, padding: 1, scale: 2, background: 128))
let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "bars-and-stripes.png"
do {
    try PNG.write(picture, to: path)
    print("wrote \(path): \(picture.width)×\(picture.height)")
} catch {
    print("could not write \(path): \(error)")
}

let session = Session()
let result = session.run(SourceText(name: "<swift>", text: "mean(bars_and_stripes(4).x)"))
print("the language says the mean pixel is \(result.output)", terminator: "")
