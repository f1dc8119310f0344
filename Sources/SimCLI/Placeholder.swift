public func runMain(_ arguments: [String]) -> Int32 { 0 }
