/// A file operation that failed, with a message a person can act on: what went wrong, on which
/// path, and how to fix it where there is an obvious fix. The message is complete on its own
/// (it names the path), so callers can print `description` as is.
public struct FileError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
