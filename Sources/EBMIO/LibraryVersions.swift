import CPNG
import CZlib

/// The versions of the C libraries ebm is linked against, as they report themselves at run time.
public enum LibraryVersions {
    public static var libpng: String {
        guard let p = png_get_libpng_ver(nil) else { return "unknown" }
        return String(cString: p)
    }

    public static var zlib: String {
        guard let p = zlibVersion() else { return "unknown" }
        return String(cString: p)
    }

    /// Name and version pairs, for `:info`.
    public static var all: [(String, String)] {
        [("libpng", libpng), ("zlib", zlib)]
    }
}
