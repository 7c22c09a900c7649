import CPNG
import EBM
import Glibc

/// 8-bit grey and RGB PNG files through libpng's simplified `png_image` API, which reports errors
/// through return values and `png_image.message` and so never longjmps through Swift frames.
/// (The classic `png_struct` API does, and must not be used from Swift.)
public enum PNG {
    // Macros from png.h that do not import into Swift.
    private static let imageVersion: png_uint_32 = 1      // PNG_IMAGE_VERSION
    private static let formatGray: png_uint_32 = 0        // PNG_FORMAT_GRAY
    private static let formatRGB: png_uint_32 = 2         // PNG_FORMAT_RGB (= PNG_FORMAT_FLAG_COLOR)
    private static let formatFlagColor: png_uint_32 = 2   // PNG_FORMAT_FLAG_COLOR
    private static let imageFailedMask: png_uint_32 = 3   // PNG_IMAGE_FAILED: (warning_or_error & 3) > 1

    /// Encodes in memory, then writes through `AtomicFile`, so an interrupted run never leaves a
    /// truncated PNG. Missing parent folders are created, since notebooks write to `images/…`.
    public static func write(_ image: Image, to path: String) throws {
        let bytes = try encode(image, path: path)
        try AtomicFile.write(bytes, to: path, createDirectories: true)
    }

    /// Reads any PNG libpng understands as 8-bit grey (if the file has no colour) or 8-bit RGB.
    /// Alpha is composited onto black, 16-bit samples are reduced to 8-bit sRGB, and palettes are
    /// expanded; files written by `write` come back byte for byte.
    public static func read(path: String) throws -> Image {
        try checkSignature(path)
        var info = png_image()
        info.version = imageVersion
        defer { png_image_free(&info) }
        guard png_image_begin_read_from_file(&info, path) != 0 else {
            throw FileError(path: path, message: "cannot read \(path) as PNG: \(message(of: &info))")
        }
        let color = info.format & formatFlagColor != 0
        info.format = color ? formatRGB : formatGray
        let channels = color ? 3 : 1
        let width = Int(info.width), height = Int(info.height)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        var black = png_color(red: 0, green: 0, blue: 0)
        let ok = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&info, &black, buffer.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            throw FileError(path: path, message: "cannot read \(path) as PNG: \(message(of: &info))")
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// libpng says only "Read Error" for a folder or a file of another kind; these checks say
    /// what is actually wrong.
    private static func checkSignature(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, message: "cannot read \(path): \(AtomicFile.describe(errno))") }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw FileError(path: path, message: "cannot read \(path): it is a folder, not a PNG file")
        }
        var head = [UInt8](repeating: 0, count: 8)
        let count = head.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 8) }
        guard count >= 0 else { throw FileError(path: path, message: "cannot read \(path): \(AtomicFile.describe(errno))") }
        guard count == 8, head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw FileError(path: path, message: "cannot read \(path) as PNG: the file does not start with the PNG signature (is it a PNG file?)")
        }
    }

    /// The PNG file bytes for `image`; `path` only names the target in error messages.
    static func encode(_ image: Image, path: String) throws -> [UInt8] {
        guard image.width > 0, image.height > 0 else {
            throw FileError(path: path, message: "cannot write \(path): a PNG needs at least one pixel, the image is \(image.width)×\(image.height)")
        }
        var info = png_image()
        info.version = imageVersion
        info.width = png_uint_32(image.width)
        info.height = png_uint_32(image.height)
        info.format = image.channels == 3 ? formatRGB : formatGray
        defer { png_image_free(&info) }

        // First call with no buffer only measures; the second fills a buffer of that size.
        var size: png_alloc_size_t = 0
        let measured = image.pixels.withUnsafeBytes { pixels in
            png_image_write_to_memory(&info, nil, &size, 0, pixels.baseAddress, 0, nil)
        }
        guard measured != 0, size > 0, info.warning_or_error & imageFailedMask <= 1 else {
            throw FileError(path: path, message: "cannot write \(path): libpng could not encode the image: \(message(of: &info))")
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let written = image.pixels.withUnsafeBytes { pixels in
            bytes.withUnsafeMutableBytes { out in
                png_image_write_to_memory(&info, out.baseAddress, &size, 0, pixels.baseAddress, 0, nil)
            }
        }
        guard written != 0 else {
            throw FileError(path: path, message: "cannot write \(path): libpng could not encode the image: \(message(of: &info))")
        }
        return Array(bytes.prefix(Int(size)))
    }

    /// libpng's own explanation, kept in a fixed 64-byte C string inside `png_image`.
    private static func message(of info: inout png_image) -> String {
        let text = withUnsafeBytes(of: &info.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "unknown libpng error" : text
    }
}
