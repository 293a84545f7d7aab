import BasaltCore
import BasaltMeta

/// How `scan 'hbase:meta'` shows a cell, as HBase's shell does: region infos (`info:regioninfo`, the
/// split daughters and merge parents) decoded to `{ENCODED => ..., NAME => '...', STARTKEY => '...',
/// ENDKEY => '...'}` with OFFLINE and SPLIT when set, `info:serverstartcode` as a number; the rest as
/// bytes.
enum MetaCells {
    static func text(_ cell: Cell, formatter: ShellFormatter) -> String {
        guard cell.type == .put, cell.family == MetaRow.infoFamily else { return formatter.cellText(cell) }
        let q = cell.qualifier
        if q == MetaRow.regionInfoQualifier || q == MetaRow.splitAQualifier || q == MetaRow.splitBQualifier || q.starts(with: Array("merge".utf8)) {
            return formatter.cellText(cell, value: regionInfo(cell.value) ?? "")
        }
        if q == MetaRow.startCodeQualifier, cell.value.count == 8, let code = Bytes.toInt64(cell.value) {
            return formatter.cellText(cell, value: String(code))
        }
        return formatter.cellText(cell)
    }

    /// A region info as HBase's `RegionInfo.toString` shows it, or nil when the bytes do not decode.
    static func regionInfo(_ bytes: [UInt8]) -> String? {
        guard let (info, offline, split) = MetaRow.regionInfo(fromCell: bytes) else { return nil }
        var text = String(info.description.dropLast())
        if offline { text += ", OFFLINE => true" }
        if split { text += ", SPLIT => true" }
        return text + "}"
    }
}
