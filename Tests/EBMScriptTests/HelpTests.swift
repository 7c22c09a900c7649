import XCTest
@testable import EBMScript

/// Help on everything a user can name: commands, meta-commands, variables, and any word.
final class HelpTests: XCTestCase {
    func testMetaCommandsHaveTheirOwnHelp() {
        let s = Session()
        let meta = eval(s, ":help :save")
        XCTAssertTrue(meta.hasPrefix(":save FILE.ebm\n"), meta)
        XCTAssertTrue(meta.contains("notebook"), meta)
        XCTAssertTrue(eval(s, "help save").hasPrefix("save("), "help save is still the model command")
        XCTAssertTrue(eval(s, ":help vars").hasPrefix(":vars\n"))
        XCTAssertTrue(eval(s, "help :vars").hasPrefix(":vars\n"))
        XCTAssertTrue(eval(s, "help(\":load\")").hasPrefix(":load FILE.ebm\n"))
        XCTAssertTrue(errorText("help :nosuch").contains("unknown meta-command"))
    }

    func testHelpOnAVariableDescribesItsValue() {
        let s = Session()
        eval(s, "m = rbm(visible: 9, hidden: 4, seed: 1)\nd = bars_and_stripes(3)\nc = gibbs(m, steps: 2)")
        let model = eval(s, "help m")
        XCTAssertTrue(model.hasPrefix("m is an RBM"), model)
        XCTAssertTrue(model.contains("Markov chain sampler (Gibbs): gibbs"), model)
        XCTAssertTrue(model.contains("trainer: train"), model)
        XCTAssertTrue(model.contains("Properties (m.NAME):"), model)
        let chain = eval(s, ":help c")
        XCTAssertTrue(chain.contains("Properties (c.NAME): samples"), chain)
        let data = eval(s, "help d")
        XCTAssertTrue(data.hasPrefix("d is a dataset"), data)
    }

    func testAKeywordSearchesAllHelpText() {
        let s = Session()
        let found = eval(s, "apropos \"partition\"")
        XCTAssertTrue(found.contains("log_z"), found)
        XCTAssertTrue(found.contains("ais"), found)
        let viaHelp = eval(s, "help \"partition\"")
        XCTAssertTrue(viaHelp.hasPrefix("'partition' is not a command or a variable; the help that mentions it:\n"), viaHelp)
        XCTAssertTrue(viaHelp.contains("log_z"))
        XCTAssertEqual(eval(s, "apropos \"zzzqqq\""), "no help mentions \"zzzqqq\"\n")
    }
}
