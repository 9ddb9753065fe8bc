/* Search for a site opened from disk (file://).
 *
 * Material's search runs in a Web Worker, and browsers refuse to start a worker from a
 * file:// page. There, and only there, this replaces `Worker` by a stand-in that runs the
 * same worker script in a hidden iframe and passes the messages by hand. Served over
 * http(s) the browser's own Worker is used. Written for this project; no dependencies.
 */
(function () {
  "use strict"
  if (location.protocol !== "file:") return

  class FrameWorker extends EventTarget {
    constructor(url) {
      super()
      this.ready = false
      this.queue = []
      const frame = document.createElement("iframe")
      frame.hidden = true
      frame.title = "search"
      document.body.appendChild(frame)
      const scope = frame.contentWindow
      // What the worker script posts reaches the page's "message" listeners.
      scope.postMessage = data => {
        setTimeout(() => this.dispatchEvent(new MessageEvent("message", { data })))
      }
      this.scope = scope
      const src = new URL(url, location.href).href
      // The worker loads the lunr language files (search.lang: [en, ko]) with importScripts,
      // relative to the worker script as in a real worker; awaiting the promise is enough.
      scope.importScripts = (...urls) => urls.reduce(
        (done, next) => done.then(() => new Promise((resolve, reject) => {
          const lib = scope.document.createElement("script")
          lib.src = new URL(next, src).href
          lib.onload = resolve
          lib.onerror = () => reject(new Error(`cannot load ${lib.src}`))
          scope.document.head.appendChild(lib)
        })),
        Promise.resolve()
      )
      const script = scope.document.createElement("script")
      script.src = src
      script.onload = () => {
        this.ready = true
        this.queue.splice(0).forEach(data => this.postMessage(data))
      }
      scope.document.head.appendChild(script)
    }

    postMessage(data) {
      if (!this.ready) {
        this.queue.push(data)
        return
      }
      const scope = this.scope
      setTimeout(() => scope.dispatchEvent(new scope.MessageEvent("message", { data })))
    }

    terminate() {}
  }

  window.Worker = FrameWorker
})()
