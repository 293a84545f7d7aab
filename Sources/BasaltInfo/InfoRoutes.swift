import BasaltCore
import Foundation
import Hummingbird
import Logging

/// The info port's routes, as HBase's info servers lay them out.
enum InfoRoutes {
    static func router(_ source: any InfoSource) -> Router<BasicRequestContext> {
        let router = Router()
        let statusPath = source.processName == "Master" ? "master-status" : "rs-status"
        router.get("/") { _, _ in html(await source.statusPage()) }
        router.get(RouterPath(stringLiteral: statusPath)) { _, _ in html(await source.statusPage()) }
        router.get("jmx") { request, _ in
            let beans = JMXJSON.select(await source.jmxBeans(), query: request.uri.queryParameters.get("qry"))
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: body(JMXJSON.render(beans)))
        }
        router.get("prometheus") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: body(await source.prometheus()))
        }
        router.get("conf") { request, _ in
            let entries = source.configuration
            if request.uri.queryParameters.get("format") == "json" {
                return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: body(ConfRendering.json(entries)))
            }
            return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: body(ConfRendering.xml(entries)))
        }
        router.get("logLevel") { request, _ in
            let q = request.uri.queryParameters
            let outcome = LogLevels.shared.handle(log: q.get("log"), level: q.get("level"))
            return Response(status: outcome.ok ? .ok : .badRequest, headers: [.contentType: "text/html; charset=utf-8"],
                            body: body(LogLevelPage.render(outcome, process: source.processName)))
        }
        router.get("dump") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: body(await source.dump()))
        }
        router.get("**") { request, _ in
            Response(status: .notFound, headers: [.contentType: "text/html; charset=utf-8"], body: body(HTML.notFound(request.uri.path)))
        }
        return router
    }

    static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: body(page))
    }

    static func body(_ text: String) -> ResponseBody {
        ResponseBody(byteBuffer: ByteBuffer(string: text))
    }
}

/// `/conf` as Hadoop's servlet prints it: XML by default, JSON with `?format=json`.
enum ConfRendering {
    static func xml(_ entries: [ConfigurationEntry]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<configuration>\n"
        for e in entries {
            out += "<property><name>\(HTML.escape(e.name))</name><value>\(HTML.escape(e.value))</value><source>\(HTML.escape(e.source.rawValue))</source></property>\n"
        }
        return out + "</configuration>\n"
    }

    static func json(_ entries: [ConfigurationEntry]) -> String {
        let properties = entries.map { ["key": $0.name, "value": $0.value, "resource": $0.source.rawValue] }
        let data = (try? JSONSerialization.data(withJSONObject: ["properties": properties], options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
