/**
 * Test and bench support: a loopback TCP proxy in front of a server the test started, which the
 * test controls. It can
 * - add a fixed delay to every chunk in each direction (a network with latency),
 * - turn into a black hole: connections are accepted and nothing is forwarded or answered (a hung
 *   server), and back again (connections held meanwhile are then cut, as a real network would),
 * - count the HTTP/1 requests that pass through it (round trips), by reading the framing of the
 *   client's side (Content-Length or chunked bodies).
 */
import * as net from "net";

/** Counts the HTTP/1 requests in one client-to-server byte stream. */
class RequestCounter {
  private buffer = Buffer.alloc(0);
  /** Bytes of body still to skip, or "chunked" while reading a chunked body. */
  private body: number | "chunked" = 0;

  constructor(private readonly onRequest: (line: string, rest: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (typeof this.body === "number" && this.body > 0) {
        const skip = Math.min(this.body, this.buffer.length);
        this.buffer = this.buffer.subarray(skip);
        this.body -= skip;
        if (this.body > 0) return;
        continue;
      }
      if (this.body === "chunked") {
        const end = this.buffer.indexOf("\r\n");
        if (end < 0) return;
        const size = parseInt(this.buffer.subarray(0, end).toString("latin1"), 16);
        if (size === 0) {
          // The last chunk, then an empty trailer line.
          const trailerEnd = this.buffer.indexOf("\r\n\r\n");
          if (trailerEnd < 0) return;
          this.buffer = this.buffer.subarray(trailerEnd + 4);
          this.body = 0;
          continue;
        }
        if (this.buffer.length < end + 2 + size + 2) return;
        this.buffer = this.buffer.subarray(end + 2 + size + 2);
        continue;
      }
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const head = this.buffer.subarray(0, headerEnd).toString("latin1");
      this.buffer = this.buffer.subarray(headerEnd + 4);
      this.onRequest(head.split("\r\n")[0], this.buffer);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) this.body = "chunked";
      else this.body = length ? Number(length[1]) : 0;
    }
  }
}

export interface ProxyOptions {
  /** Milliseconds each chunk is held in each direction (default 0). */
  delayMs?: number;
  /** Start as a black hole (default false). */
  blackHole?: boolean;
}

/** A TCP proxy on 127.0.0.1 in front of `127.0.0.1:<targetPort>`. */
export class TcpProxy {
  /** HTTP requests forwarded so far (see `resetCount`). */
  requests = 0;
  /** When set, the request line and the start of the body of each request are added to it. */
  trace: string[] | undefined;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private swallowing: boolean;
  private readonly delayMs: number;

  private constructor(
    private targetPort: number,
    options: ProxyOptions,
  ) {
    this.swallowing = options.blackHole ?? false;
    this.delayMs = options.delayMs ?? 0;
  }

  /** Starts a proxy to `targetPort` (any port, even one nothing listens on, for a black hole). */
  static async start(targetPort: number, options: ProxyOptions = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort, options);
    await proxy.listen();
    return proxy;
  }

  /** The proxy's port. */
  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address !== "object") throw new Error("the proxy is not listening");
    return address.port;
  }

  /** `http://127.0.0.1:<port>`: the URL clients use instead of the server's. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the proxy swallows everything. */
  get blackHole(): boolean {
    return this.swallowing;
  }

  /**
   * Turns the black hole on (from now on nothing is forwarded, on new or held connections) or off
   * (held connections are cut, new ones are forwarded again).
   */
  setBlackHole(on: boolean): void {
    if (this.swallowing && !on) {
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    }
    this.swallowing = on;
  }

  /** Points the proxy at another port (for a server restarted elsewhere). */
  retarget(port: number): void {
    this.targetPort = port;
  }

  resetCount(): void {
    this.requests = 0;
  }

  /** Stops listening and cuts every connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    client.on("close", () => this.sockets.delete(client));
    client.on("error", () => client.destroy());
    if (this.swallowing) {
      // Accept and never answer; whatever arrives is dropped.
      client.on("data", () => undefined);
      return;
    }
    const upstream = net.connect(this.targetPort, "127.0.0.1");
    this.sockets.add(upstream);
    upstream.on("close", () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => upstream.destroy());
    client.on("close", () => upstream.destroy());
    const counter = new RequestCounter((line, rest) => {
      this.requests += 1;
      if (this.trace) this.trace.push(`${line} ${rest.subarray(0, 300).toString("latin1")}`);
    });
    client.on("data", (chunk: Buffer) => {
      if (this.swallowing) return;
      counter.push(chunk);
      this.forward(upstream, chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (this.swallowing) return;
      this.forward(client, chunk);
    });
  }

  /** Writes `chunk` to `to` after the delay; chunks keep their order (same delay, timers in order). */
  private forward(to: net.Socket, chunk: Buffer): void {
    if (this.delayMs === 0) {
      if (!to.destroyed) to.write(chunk);
      return;
    }
    setTimeout(() => {
      if (!to.destroyed && !this.swallowing) to.write(chunk);
    }, this.delayMs);
  }
}
