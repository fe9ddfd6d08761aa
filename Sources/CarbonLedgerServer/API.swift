import HTTPTypes
import Hummingbird
import LedgerCore
import NIOCore

/// The response bodies of the API: canonical JSON, text and files. Errors are `APIFailure`s.
enum API {
    static func json(_ v: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        bytes(CanonicalJSON.encode(v) + [0x0A], contentType: "application/json", status: status)
    }

    static func bytes(_ b: [UInt8], contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: b)))
    }

    static func text(_ s: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(s.utf8), contentType: contentType, status: status)
    }

    static func failure(_ f: APIFailure) -> Response {
        var r = bytes(f.body, contentType: "application/json", status: f.status)
        r.headers.append(contentsOf: f.headers)
        return r
    }
}
