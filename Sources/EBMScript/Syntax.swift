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
        /// A run of one precedence level's left-associative operators, `a + b - c + …`, kept flat
        /// so that a chain of 10,000 terms is parsed, evaluated and freed without recursion
        /// per term.
        case chain(first: Expr, rest: [ChainLink])
    }
    var kind: Kind
    var location: SourceLocation
}

/// One `op operand` of a flat operator chain; `location` is the operator's.
struct ChainLink {
    var op: String
    var operand: Expr
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
    indirect enum Kind {
        /// A bare expression: its value is echoed unless it is `none`.
        case expression(Expr)
        /// `target = value`; the target is a name, `x[…]` or `x.name` (checked by the parser).
        /// `op` is set for augmented assignment (`x += 1` has op "+").
        case assignment(target: Expr, op: String?, value: Expr)
        case metaCommand(name: String, argument: String)
        /// `if c: … elif c: … else: …`
        case conditional(branches: [(condition: Expr, body: [Statement])], otherwise: [Statement]?)
        case whileLoop(condition: Expr, body: [Statement])
        case forLoop(variable: String, sequence: Expr, body: [Statement])
        case breakLoop
        case continueLoop
        case returnValue(Expr?)
        case pass
        case functionDefinition(FunctionDefinition)
    }
    var kind: Kind
    var location: SourceLocation
}

/// `def name(params): body`, as parsed.
final class FunctionDefinition {
    struct Parameter {
        var name: String
        var defaultValue: Expr?
        var location: SourceLocation
    }
    let name: String
    let parameters: [Parameter]
    let body: [Statement]
    /// The first comment line of the body (or the line above the `def`), for `help`.
    let doc: String?
    /// The text the function was defined in, so errors inside it can quote their line.
    let source: SourceText
    let location: SourceLocation

    init(name: String, parameters: [Parameter], body: [Statement], doc: String?, source: SourceText, location: SourceLocation) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.doc = doc
        self.source = source
        self.location = location
    }
}
