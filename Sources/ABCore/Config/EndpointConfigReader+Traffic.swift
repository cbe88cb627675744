extension EndpointConfigReader {
    /// `traffic_config.routes`: every route names an entity once, percentages are whole numbers 0…100 summing
    /// to 100; an entity without a route gets 0 %.
    static func readTraffic(
        _ config: ObjectReader, at configPath: ConfigPath, entities: [ServedEntity]?,
        issues: inout ConfigIssues
    ) -> Weights? {
        let path = configPath.key("traffic_config")
        guard let traffic = config.object("traffic_config", known: ["routes"], issues: &issues) else {
            if config.has("traffic_config") { return nil }
            guard let entities else { return nil }
            if entities.count > 1 {
                let even = Weights.even(count: entities.count)
                issues.warning(
                    path, "no traffic_config: traffic is split evenly (\(even))",
                    fix:
                        "add \"traffic_config\": {\"routes\": [{\"served_model_name\": ..., "
                        + "\"traffic_percentage\": ...}, ...]} to choose the split"
                )
                return even
            }
            return Weights([100])
        }
        traffic.finish(issues: &issues)
        let routesPath = path.key("routes")
        guard let routes = traffic.array("routes", issues: &issues) else {
            if !traffic.has("routes") {
                issues.error(
                    routesPath, "missing required key \"routes\"",
                    fix: "add \"routes\": [{\"served_model_name\": ..., \"traffic_percentage\": ...}, ...]")
            }
            return nil
        }
        // Each entity has at most one route, so more routes than the entity cap is a mistake; refused before reading.
        if routes.count > maxEntities {
            issues.error(
                routesPath, "at most \(maxEntities) routes (one per served entity), found \(routes.count)",
                fix: "give each served entity one route")
            return nil
        }
        let names = entities?.map(\.name)
        var percentages = [Int](repeating: 0, count: names?.count ?? 0)
        var routed: [String: Int] = [:]
        var given: [(name: String, percentage: Int)] = []
        var complete = true
        for (i, value) in routes.enumerated() {
            let here = routesPath.index(i)
            guard
                let route = ObjectReader(
                    value, at: here,
                    known: [
                        "served_model_name", "served_entity_name",
                        "traffic_percentage",
                    ], issues: &issues)
            else {
                complete = false
                continue
            }
            route.finish(issues: &issues)
            let modelName = route.string("served_model_name", issues: &issues)
            let entityName = route.string("served_entity_name", issues: &issues)
            if let modelName, let entityName, modelName != entityName {
                issues.error(
                    here, "served_model_name \"\(modelName)\" and served_entity_name \"\(entityName)\" disagree",
                    fix: "give one of them")
            }
            let name = modelName ?? entityName
            if name == nil, !route.has("served_model_name"), !route.has("served_entity_name") {
                issues.error(
                    here.key("served_model_name"), "missing the entity this route sends to",
                    fix: "add \"served_model_name\" with one of: \((names ?? []).joined(separator: ", "))")
            }
            let percentage: Int?
            if route.has("traffic_percentage") {
                percentage = route.integer("traffic_percentage", in: 0...100, issues: &issues, allowNumericString: true)
            } else {
                issues.error(
                    here.key("traffic_percentage"), "missing required key \"traffic_percentage\"",
                    fix: "add \"traffic_percentage\": a whole number from 0 to 100")
                percentage = nil
            }
            guard let name, let percentage else {
                complete = false
                continue
            }
            given.append((name, percentage))
            guard let names else { continue }
            guard let index = names.firstIndex(of: name) else {
                let guess = EditDistance.suggestion(for: name, among: names).map { "did you mean \"\($0)\"? " } ?? ""
                issues.error(
                    here.key(modelName != nil ? "served_model_name" : "served_entity_name"),
                    "no served entity is named \"\(name)\"",
                    fix: "\(guess)served entities: \(names.joined(separator: ", "))")
                complete = false
                continue
            }
            if let earlier = routed[name] {
                issues.error(
                    here, "\"\(name)\" already has a route (routes[\(earlier)])", fix: "give each entity one route")
                complete = false
                continue
            }
            routed[name] = i
            percentages[index] = percentage
        }
        let sum = given.reduce(0) { $0 + $1.percentage }
        if complete, !given.isEmpty, sum != 100 {
            let scaled = Weights.largestRemainder(given.map { Double($0.percentage) }, total: 100)
            let example = zip(given, scaled).map { "\($0.name) \($1)" }.joined(separator: ", ")
            issues.error(
                routesPath, "traffic percentages add up to \(sum), not 100",
                fix: sum > 0
                    ? "make them add up to 100, e.g. \(example)" : "give at least one route a percentage above 0")
            complete = false
        }
        if routes.isEmpty {
            issues.error(routesPath, "no routes", fix: "add one route per served entity; the percentages add up to 100")
            complete = false
        }
        guard complete, let entities else { return nil }
        for (i, entity) in entities.enumerated() where routed[entity.name] == nil {
            issues.warning(
                configPath.key("served_entities").index(i),
                "\"\(entity.name)\" has no route, so it gets 0 % of the traffic",
                fix: "add a route for it if it should get some")
        }
        return Weights(percentages)
    }
}
