extension Image {
    /// The image drawn with Unicode blocks as plain, deterministic text (no ANSI escapes), so a
    /// terminal shows it and a notebook can record it and compare it on a later run.
    ///
    /// - A (nearly) binary image — every pixel within 32 of black or white — packs two pixel rows
    ///   into one line with "▀", "▄", "█" and " "; one character per pixel is then about square.
    ///   Pixels ≥ 128 are ink.
    /// - Anything else uses the five shades " ░▒▓█" (nearest of 0, 64, 128, 191, 255), each pixel
    ///   two characters wide, again about square.
    /// - RGB is converted to luminance first (Rec. 601 weights).
    /// - When the drawing would be wider than `maxColumns`, the image is shrunk by the smallest
    ///   integer factor that fits (box average; partial boxes at the edges average what they
    ///   cover). Nothing in the text says so: the caller adds a note if it wants one.
    ///
    /// Every line has its trailing spaces trimmed and ends with "\n"; an empty image gives "".
    public func blockText(maxColumns: Int = 80) -> String {
        precondition(maxColumns >= 2, "maxColumns must be at least 2, got \(maxColumns)")
        let grey = luminance()
        if width == 0 || height == 0 { return "" }

        if Image.isNearlyBinary(grey.pixels) {
            let factor = Image.shrinkFactor(width: width, charsPerPixel: 1, maxColumns: maxColumns)
            let small = grey.boxShrunk(by: factor)
            // Averaging can turn a binary image grey; then shades tell the truth better.
            if Image.isNearlyBinary(small.pixels) { return small.halfBlockText() }
        }
        let factor = Image.shrinkFactor(width: width, charsPerPixel: 2, maxColumns: maxColumns)
        return grey.boxShrunk(by: factor).shadeText()
    }

    /// One grey channel; a grey image is returned as it is.
    private func luminance() -> Image {
        if channels == 1 { return self }
        var out = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count {
                    let r = Int(src[3 * i]), g = Int(src[3 * i + 1]), b = Int(src[3 * i + 2])
                    dst[i] = UInt8((299 * r + 587 * g + 114 * b + 500) / 1000)
                }
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: out)
    }

    private static func isNearlyBinary(_ pixels: [UInt8]) -> Bool {
        pixels.allSatisfy { $0 < 32 || $0 > 223 }
    }

    /// The smallest integer f with ⌈width / f⌉ · charsPerPixel ≤ maxColumns.
    private static func shrinkFactor(width: Int, charsPerPixel: Int, maxColumns: Int) -> Int {
        let fitting = max(maxColumns / charsPerPixel, 1)
        return max((width + fitting - 1) / fitting, 1)
    }

    /// Box-average shrink of a grey image by `factor` in both directions.
    private func boxShrunk(by factor: Int) -> Image {
        if factor == 1 { return self }
        let outWidth = (width + factor - 1) / factor, outHeight = (height + factor - 1) / factor
        var out = [UInt8](repeating: 0, count: outWidth * outHeight)
        pixels.withUnsafeBufferPointer { src in
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    let ys = oy * factor..<min((oy + 1) * factor, height)
                    let xs = ox * factor..<min((ox + 1) * factor, width)
                    var sum = 0
                    for y in ys { for x in xs { sum += Int(src[y * width + x]) } }
                    let n = ys.count * xs.count
                    out[oy * outWidth + ox] = UInt8((sum + n / 2) / n)
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: 1, pixels: out)
    }

    private func halfBlockText() -> String {
        var text = ""
        for y in stride(from: 0, to: height, by: 2) {
            var line = ""
            for x in 0..<width {
                let top = pixels[y * width + x] >= 128
                let bottom = y + 1 < height && pixels[(y + 1) * width + x] >= 128
                line += top ? (bottom ? "█" : "▀") : (bottom ? "▄" : " ")
            }
            text += Image.trimmed(line) + "\n"
        }
        return text
    }

    private func shadeText() -> String {
        let shades: [String] = [" ", "░", "▒", "▓", "█"]
        var text = ""
        for y in 0..<height {
            var line = ""
            for x in 0..<width {
                let level = (Int(pixels[y * width + x]) * 4 + 127) / 255
                line += shades[level] + shades[level]
            }
            text += Image.trimmed(line) + "\n"
        }
        return text
    }

    private static func trimmed(_ line: String) -> String {
        var s = Substring(line)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
