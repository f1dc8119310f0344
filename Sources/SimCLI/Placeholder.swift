public func runMain(_ arguments: [String]) -> Int32 { arguments.first == "frobnicate" ? 64 : 0 }
