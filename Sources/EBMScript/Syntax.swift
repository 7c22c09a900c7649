/// The syntax tree of the ebm language (see docs/language.md for the grammar).
struct Expr {
    indirect enum Kind {
        case number(Double)
        case string(String)
        case bool(Bool)
        case none
        case name(String)
        case list([Expr])
        case call(callee: Expr, arguments: [Argument])
        case index(base: Expr, indices: [Subscript])
        case property(base: Expr, name: String, nameLocation: SourceLocation)
        case unary(op: String, operand: Expr)
        case binary(op: String, lhs: Expr, rhs: Expr)
    }
    var kind: Kind
    var location: SourceLocation
}

struct Argument {
    var label: String?
    var labelLocation: SourceLocation?
    var value: Expr
}

enum Subscript {
    case index(Expr)
    case slice(start: Expr?, stop: Expr?, step: Expr?, location: SourceLocation)
}

struct Statement {
    enum Kind {
        /// A bare expression: its value is echoed unless it is `none`.
        case expression(Expr)
        case assignment(name: String, value: Expr)
        case metaCommand(name: String, argument: String)
    }
    var kind: Kind
    var location: SourceLocation
}
