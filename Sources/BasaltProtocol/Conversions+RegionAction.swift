import BasaltCore
import Foundation

extension Basalt_RegionAction {
    /// Mutations for one region as a Multi request's region action, their indexes in order; with `atomic`,
    /// all of them or none (one WAL entry, every row locked), as a row mutation, a split or a merge needs.
    public init(region regionName: [UInt8], mutations: [Mutation], atomic: Bool) {
        self.init()
        region.regionName = Data(regionName)
        self.atomic = atomic
        actions = mutations.enumerated().map { i, m in
            var a = Basalt_Action()
            a.index = UInt32(i)
            a.mutation = Basalt_MutationProto(m)
            return a
        }
    }
}
