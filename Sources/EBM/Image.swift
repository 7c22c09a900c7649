/// An 8-bit raster image in memory: the common currency between numerics (which turn tensors into
/// pictures), the terminal printer (block text) and the PNG writer in EBMIO.
///
/// Pixels are row-major and interleaved: the sample for channel `c` of pixel `(x, y)` sits at
/// `(y * width + x) * channels + c`. Only grey (1 channel) and RGB (3 channels) exist, because
/// those are the only two layouts the rest of ebm ever draws or writes.
public struct Image: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// 1 = grey, 3 = RGB.
    public var channels: Int
    /// Row-major, interleaved samples; `width * height * channels` of them.
    public var pixels: [UInt8]

    /// Checked: a wrong pixel count or channel count is a programming error, so it traps with a
    /// message instead of producing an image that every later reader would misinterpret.
    public init(width: Int, height: Int, channels: Int = 1, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)×\(height)")
        precondition(channels == 1 || channels == 3, "an image has 1 (grey) or 3 (RGB) channels, not \(channels)")
        precondition(pixels.count == width * height * channels,
                     "\(width)×\(height)×\(channels) image needs \(width * height * channels) samples, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image filled with one value in every channel.
    public init(width: Int, height: Int, channels: Int = 1, repeating value: UInt8 = 0) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)×\(height)")
        self.init(width: width, height: height, channels: channels,
                  pixels: Array(repeating: value, count: width * height * channels))
    }

    /// The sample of channel `channel` at column `x`, row `y` (origin top-left).
    public func pixel(x: Int, y: Int, channel: Int = 0) -> UInt8 {
        pixels[index(x: x, y: y, channel: channel)]
    }

    /// Sets one sample; see `pixel(x:y:channel:)`.
    public mutating func setPixel(x: Int, y: Int, channel: Int = 0, to value: UInt8) {
        pixels[index(x: x, y: y, channel: channel)] = value
    }

    private func index(x: Int, y: Int, channel: Int) -> Int {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)×\(height) image")
        precondition(channel >= 0 && channel < channels, "channel \(channel) outside 0..<\(channels)")
        return (y * width + x) * channels + channel
    }

    /// Nearest-neighbour upscaling: every pixel becomes a `factor`×`factor` block. Small tiles
    /// (28×28, 4×4) are unreadable in an image viewer without it, and blocks keep them crisp.
    public func scaled(by factor: Int) -> Image {
        precondition(factor >= 1, "scale factor must be at least 1, got \(factor)")
        if factor == 1 { return self }
        let outWidth = width * factor, outHeight = height * factor
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * channels)
        let inRow = width * channels, outRow = outWidth * channels, ch = channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let outY0 = y * factor
                    // Build the first of the `factor` identical output rows, then copy it.
                    let first = outY0 * outRow
                    for x in 0..<width {
                        for c in 0..<ch {
                            let v = src[y * inRow + x * ch + c]
                            for k in 0..<factor { dst[first + (x * factor + k) * ch + c] = v }
                        }
                    }
                    for r in 1..<factor {
                        let start = (outY0 + r) * outRow
                        for i in 0..<outRow { dst[start + i] = dst[first + i] }
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: channels, pixels: out)
    }
}
