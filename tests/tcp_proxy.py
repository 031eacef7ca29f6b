"""A TCP proxy a test owns, to cut or freeze the path to a database on purpose."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from enum import Enum


class Mode(Enum):
    FORWARD = "forward"
    CUT = "cut"  # every connection closed, new ones closed at once
    FROZEN = "frozen"  # connections stay open and nothing passes: a stuck network path


class Proxy:
    """Listens on 127.0.0.1:`port` and relays to 127.0.0.1:`target`."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.mode = Mode.FORWARD
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._guard = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self.mode = Mode.CUT
        with self._guard:
            for each in self._sockets:
                with contextlib.suppress(OSError):
                    each.shutdown(socket.SHUT_RDWR)
                each.close()
            self._sockets.clear()

    def freeze(self) -> None:
        self.mode = Mode.FROZEN

    def resume(self) -> None:
        self.mode = Mode.FORWARD

    def close(self) -> None:
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if self.mode is Mode.CUT:
                client.close()
                continue
            with self._guard:
                self._sockets.append(client)
            if self.mode is Mode.FROZEN:
                continue  # accepted, never answered
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self._guard:
                self._sockets.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.mode is Mode.FROZEN:
                    time.sleep(0.05)  # hold what arrived: nothing passes
                if self.mode is Mode.CUT:
                    return
                sink.sendall(data)
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
