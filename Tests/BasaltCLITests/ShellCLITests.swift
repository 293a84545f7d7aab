import BasaltTestSupport
import Foundation
import Testing

/// `basalt shell` as scripts use it: `-n` on piped commands stops at the first failure with status 1
/// and HBase's message; without `-n` piped commands all run; `-e` runs commands from the command line.
@Suite(.serialized) struct ShellCLITests {
    let basalt: BasaltProcess

    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    @Test func nonInteractiveStopsAtTheFirstFailure() async throws {
        try await MiniCluster.run(regionServers: 1) { cluster, _ in
            let quorum = "hbase.zookeeper.quorum=" + (cluster.configuration["hbase.zookeeper.quorum"] ?? "")
            let script = """
                create 'cli', 'f'
                put 'cli', 'r1', 'f:a', 'one', 1500000000000
                get 'cli', 'r1'
                put 'nosuch', 'r1', 'f:a', 'x'
                put 'cli', 'r2', 'f:a', 'never'

                """
            let run = try basalt.run(["shell", "-n", "-D", quorum], input: script)
            #expect(run.status == 1)
            #expect(run.stdout.contains("Created table cli"))
            #expect(run.stdout.contains(" f:a timestamp=") && run.stdout.contains("value=one"))
            #expect(run.stderr.contains("ERROR: Unknown table nosuch!"), "\(run.stderr)")
            // Nothing after the failing command ran.
            let check = try basalt.run(["shell", "-n", "-D", quorum], input: "scan 'cli'\n")
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.contains("1 row(s)"))
            #expect(!check.stdout.contains("never"))

            // Without -n, piped commands go on past a failure and the status is 0.
            let lenient = try basalt.run(["shell", "-D", quorum], input: "put 'nosuch', 'r', 'f:a', 'x'\nput 'cli', 'r3', 'f:a', 'three'\n")
            #expect(lenient.status == 0)
            #expect(lenient.stderr.contains("ERROR: Unknown table nosuch!"))
            let after = try basalt.run(["shell", "-e", "count 'cli'", "-D", quorum])
            #expect(after.status == 0)
            #expect(after.stdout.contains("2 row(s)") && after.stdout.contains("=> 2"))

            // -e: a failure gives status 1; a syntax error too; exit N ends with N.
            #expect(try basalt.run(["shell", "-e", "describe 'nosuch'", "-D", quorum]).status == 1)
            let syntax = try basalt.run(["shell", "-e", "scan 'cli', {LIMIT => }", "-D", quorum])
            #expect(syntax.status == 1 && syntax.stderr.contains("SyntaxError"))
            #expect(try basalt.run(["shell", "-e", "list; exit 3", "-D", quorum]).status == 3)
        }
    }

    @Test func anUnreachableClusterIsAClearError() throws {
        let run = try basalt.run(["shell", "-n", "-D", "hbase.zookeeper.quorum=127.0.0.1:1", "-D", "zookeeper.session.timeout=1000"], input: "list\n")
        #expect(run.status == 1)
        #expect(run.stderr.contains("ZooKeeper"), "\(run.stderr)")
    }
}
