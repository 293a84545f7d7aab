/// The commands the shell knows, with their group and help text (written for Basalt, in the shape of
/// the HBase shell's). A static table; `help` and error messages read it.
public struct ShellCommandInfo: Sendable {
    public let name: String
    public let group: String
    public let help: String
}

public enum ShellCommands {
    /// Group names in the order `help` lists them, with a line on what each is for.
    public static let groups: [(name: String, about: String)] = [
        ("general", "Cluster-wide information."),
        ("ddl", "Tables: create, change, list and remove them."),
        ("namespace", "Namespaces, HBase's groups of tables: create, change, list and remove them."),
        ("dml", "Rows: write, read, scan, count and delete."),
        ("tools", "Operations on regions and servers: flush, compact, split, merge, move, balance."),
    ]

    /// Other names for commands (`desc` for `describe`).
    public static let aliases: [String: String] = ["desc": "describe", "hlog_roll": "wal_roll", "exit": "exit", "quit": "exit"]

    public static func info(_ name: String) -> ShellCommandInfo? {
        let resolved = aliases[name] ?? name
        return all.first { $0.name == resolved }
    }

    public static let all: [ShellCommandInfo] = general + ddl + dml + tools

    static let general: [ShellCommandInfo] = [
        .init(name: "status", group: "general", help: """
            Show the cluster's state: 'summary' (the default), 'simple' or 'detailed'.
              hbase> status
              hbase> status 'simple'
              hbase> status 'detailed'
            """),
        .init(name: "version", group: "general", help: """
            Show the version of Basalt and the HBase version it follows.
              hbase> version
            """),
        .init(name: "whoami", group: "general", help: """
            Show the user the shell acts as.
              hbase> whoami
            """),
        .init(name: "table_help", group: "general", help: """
            Table references: t = get_table 't1' (or t = create 't1', ...) keeps a table, and the
            table commands can then be called on it without naming the table again:
              hbase> t = get_table 't1'
              hbase> t.put 'r1', 'f:q', 'value'
              hbase> t.get 'r1'
              hbase> t.scan
              hbase> t.count
            The table methods are put, get, scan, delete, deleteall, count, incr, get_counter, append,
            get_splits, describe, disable, enable, drop, exists, is_enabled, is_disabled, flush, truncate.
            """),
    ]

    static let ddl: [ShellCommandInfo] = [
        .init(name: "create", group: "ddl", help: """
            Create a table from a name and one or more column families, each a name or a hash of
            settings (NAME, VERSIONS, TTL, BLOOMFILTER, BLOCKSIZE, IN_MEMORY, BLOCKCACHE, COMPRESSION,
            MIN_VERSIONS, KEEP_DELETED_CELLS). Table options come last: SPLITS => [...], or
            NUMREGIONS => n with SPLITALGO => 'HexStringSplit' or 'UniformSplit'.
              hbase> create 't1', 'f1', 'f2'
              hbase> create 't1', {NAME => 'f1', VERSIONS => 5, TTL => 86400}
              hbase> create 'ns1:t1', 'f1', SPLITS => ['10', '20', '30']
              hbase> create 't1', 'f1', {NUMREGIONS => 15, SPLITALGO => 'HexStringSplit'}
              hbase> t1 = create 't1', 'f1'
            """),
        .init(name: "alter", group: "ddl", help: """
            Change a table's column families: add one or change its settings with a hash naming it,
            or remove one with 'delete' => 'f' (or NAME => 'f', METHOD => 'delete').
              hbase> alter 't1', NAME => 'f1', VERSIONS => 5
              hbase> alter 't1', 'f2'
              hbase> alter 't1', 'delete' => 'f2'
              hbase> alter 't1', {NAME => 'f1', TTL => 3600}, {NAME => 'f3'}
            """),
        .init(name: "describe", group: "ddl", help: """
            Show a table's state and the settings of its column families. Alias: desc.
              hbase> describe 't1'
              hbase> desc 'ns1:t1'
            """),
        .init(name: "disable", group: "ddl", help: """
            Take a table offline (its regions close).
              hbase> disable 't1'
            """),
        .init(name: "enable", group: "ddl", help: """
            Bring a disabled table back online.
              hbase> enable 't1'
            """),
        .init(name: "drop", group: "ddl", help: """
            Delete a table and its data. The table must be disabled first.
              hbase> drop 't1'
            """),
        .init(name: "exists", group: "ddl", help: """
            Say whether a table exists.
              hbase> exists 't1'
            """),
        .init(name: "is_enabled", group: "ddl", help: """
            Say whether a table is enabled.
              hbase> is_enabled 't1'
            """),
        .init(name: "is_disabled", group: "ddl", help: """
            Say whether a table is disabled.
              hbase> is_disabled 't1'
            """),
        .init(name: "list", group: "ddl", help: """
            List the user tables, optionally only those whose name matches a regular expression.
              hbase> list
              hbase> list 'abc.*'
              hbase> list 'ns:.*'
            """),
        .init(name: "disable_all", group: "ddl", help: """
            Disable every table whose name matches a regular expression (asks to confirm).
              hbase> disable_all 't.*'
            """),
        .init(name: "enable_all", group: "ddl", help: """
            Enable every table whose name matches a regular expression (asks to confirm).
              hbase> enable_all 't.*'
            """),
        .init(name: "drop_all", group: "ddl", help: """
            Drop every disabled table whose name matches a regular expression (asks to confirm).
              hbase> drop_all 't.*'
            """),
        .init(name: "locate_region", group: "ddl", help: """
            Show the region that holds a row, and its server.
              hbase> locate_region 't1', 'row1'
            """),
        .init(name: "list_regions", group: "ddl", help: """
            List a table's regions with their server, keys, size on disk and request count;
            optionally only those on one server.
              hbase> list_regions 't1'
              hbase> list_regions 't1', 'host,16020,1700000000000'
            """),
        .init(name: "get_table", group: "ddl", help: """
            Keep a reference to a table for the table methods (see table_help).
              hbase> t1 = get_table 't1'
            """),
    ]

    static let dml: [ShellCommandInfo] = [
        .init(name: "put", group: "dml", help: """
            Write a value into a cell, at an optional timestamp (milliseconds).
              hbase> put 't1', 'r1', 'f1:c1', 'value'
              hbase> put 't1', 'r1', 'f1:c1', 'value', 1700000000000
              hbase> put 't1', "r\\x00\\x01", 'f1:c1', "\\xFF"
            """),
        .init(name: "get", group: "dml", help: """
            Read a row, or some of its cells. Options: COLUMN or COLUMNS (a column 'f:q', a family 'f',
            or a list), TIMESTAMP, TIMERANGE => [from, to), VERSIONS, FILTER (the filter language).
              hbase> get 't1', 'r1'
              hbase> get 't1', 'r1', 'f1:c1', 'f1:c2'
              hbase> get 't1', 'r1', {COLUMN => 'f1', VERSIONS => 3}
              hbase> get 't1', 'r1', {TIMERANGE => [1000, 2000]}
              hbase> get 't1', 'r1', {FILTER => "ValueFilter(=, 'binary:v1')"}
            """),
        .init(name: "scan", group: "dml", help: """
            Read rows in key order. Options: COLUMNS, STARTROW, STOPROW (exclusive), ROWPREFIXFILTER,
            LIMIT, TIMESTAMP, TIMERANGE, VERSIONS, FILTER, REVERSED, RAW (shows delete markers), CACHE.
              hbase> scan 'hbase:meta'
              hbase> scan 't1', {COLUMNS => ['f1:c1', 'f2'], LIMIT => 10, STARTROW => 'r1'}
              hbase> scan 't1', {ROWPREFIXFILTER => 'user', REVERSED => true}
              hbase> scan 't1', {RAW => true, VERSIONS => 10}
              hbase> scan 't1', {FILTER => "PrefixFilter('r') AND KeyOnlyFilter()"}
            """),
        .init(name: "delete", group: "dml", help: """
            Delete one version of a cell: the newest, or the one at the given timestamp.
              hbase> delete 't1', 'r1', 'f1:c1'
              hbase> delete 't1', 'r1', 'f1:c1', 1700000000000
            """),
        .init(name: "deleteall", group: "dml", help: """
            Delete every version of a row, a family or a column, up to an optional timestamp;
            or every row with a prefix.
              hbase> deleteall 't1', 'r1'
              hbase> deleteall 't1', 'r1', 'f1'
              hbase> deleteall 't1', 'r1', 'f1:c1', 1700000000000
              hbase> deleteall 't1', {ROWPREFIXFILTER => 'user'}
            """),
        .init(name: "count", group: "dml", help: """
            Count a table's rows, printing progress every INTERVAL rows (1000 by default); CACHE rows
            are fetched per call (10 by default).
              hbase> count 't1'
              hbase> count 't1', INTERVAL => 100000, CACHE => 1000
            """),
        .init(name: "incr", group: "dml", help: """
            Add to a counter cell (an 8-byte big-endian number), by 1 or the given amount.
              hbase> incr 't1', 'r1', 'f1:hits'
              hbase> incr 't1', 'r1', 'f1:hits', 10
            """),
        .init(name: "get_counter", group: "dml", help: """
            Read a counter cell.
              hbase> get_counter 't1', 'r1', 'f1:hits'
            """),
        .init(name: "append", group: "dml", help: """
            Append bytes to a cell's value.
              hbase> append 't1', 'r1', 'f1:c1', 'more'
            """),
        .init(name: "get_splits", group: "dml", help: """
            Show the keys at which a table's regions split.
              hbase> get_splits 't1'
            """),
        .init(name: "truncate", group: "dml", help: """
            Delete every row of a table by disabling, dropping and re-creating it (one region again).
              hbase> truncate 't1'
            """),
        .init(name: "truncate_preserve", group: "dml", help: """
            Like truncate, but the table keeps its region boundaries.
              hbase> truncate_preserve 't1'
            """),
    ]

    static let tools: [ShellCommandInfo] = [
        .init(name: "flush", group: "tools", help: """
            Write a table's or a region's MemStores to files.
              hbase> flush 't1'
              hbase> flush 't1,,1700000000000.0123456789abcdef0123456789abcdef.'
              hbase> flush '0123456789abcdef0123456789abcdef'
            """),
        .init(name: "compact", group: "tools", help: """
            Ask for a compaction of a table or a region, optionally of one column family.
              hbase> compact 't1'
              hbase> compact 't1', 'f1'
              hbase> compact 'ENCODED_REGION_NAME'
            """),
        .init(name: "major_compact", group: "tools", help: """
            Rewrite all files of a table or a region (optionally one family) into one per family.
              hbase> major_compact 't1'
              hbase> major_compact 't1', 'f1'
              hbase> major_compact 'ENCODED_REGION_NAME'
            """),
        .init(name: "split", group: "tools", help: """
            Split a table's regions, or one region, at their middle row or at a given key.
              hbase> split 't1'
              hbase> split 't1', 'row500'
              hbase> split 'ENCODED_REGION_NAME'
              hbase> split 'ENCODED_REGION_NAME', 'row500'
            """),
        .init(name: "merge_region", group: "tools", help: """
            Merge two adjacent regions, named by their encoded names (or full region names).
              hbase> merge_region 'ENCODED_A', 'ENCODED_B'
            """),
        .init(name: "move", group: "tools", help: """
            Move a region (by encoded name) to a server ('host,port,startcode'), or to any other
            live server when none is given.
              hbase> move 'ENCODED_REGION_NAME'
              hbase> move 'ENCODED_REGION_NAME', 'host,16020,1700000000000'
            """),
        .init(name: "balancer", group: "tools", help: """
            Even out the number of regions on each live server; true when the balancer ran (false while
            balance_switch has turned it off).
              hbase> balancer
            """),
        .init(name: "balance_switch", group: "tools", help: """
            Turn the balancer on or off (the chore and the balancer command); prints the previous state.
            The switch survives a restart of the master.
              hbase> balance_switch false
              hbase> balance_switch true
            """),
        .init(name: "create_namespace", group: "namespace", help: """
            Create a namespace, optionally with configuration.
              hbase> create_namespace 'ns1'
              hbase> create_namespace 'ns1', {'PROPERTY_NAME' => 'PROPERTY_VALUE'}
            """),
        .init(name: "alter_namespace", group: "namespace", help: """
            Set or remove a namespace's configuration.
              hbase> alter_namespace 'ns1', {METHOD => 'set', 'PROPERTY_NAME' => 'PROPERTY_VALUE'}
              hbase> alter_namespace 'ns1', {METHOD => 'unset', NAME => 'PROPERTY_NAME'}
            """),
        .init(name: "drop_namespace", group: "namespace", help: """
            Drop a namespace; it must hold no tables.
              hbase> drop_namespace 'ns1'
            """),
        .init(name: "describe_namespace", group: "namespace", help: """
            Show a namespace and its configuration.
              hbase> describe_namespace 'ns1'
            """),
        .init(name: "list_namespace", group: "namespace", help: """
            List the namespaces, optionally only those whose name matches a regular expression.
              hbase> list_namespace
              hbase> list_namespace 'abc.*'
            """),
        .init(name: "list_namespace_tables", group: "namespace", help: """
            List the tables of a namespace.
              hbase> list_namespace_tables 'ns1'
            """),
        .init(name: "zk_dump", group: "tools", help: """
            Show what the coordination service holds for this cluster: masters, region servers, meta.
              hbase> zk_dump
            """),
        .init(name: "wal_roll", group: "tools", help: """
            Start a new WAL file on a region server ('host,port,startcode'). Alias: hlog_roll.
              hbase> wal_roll 'host,16020,1700000000000'
            """),
    ]
}
