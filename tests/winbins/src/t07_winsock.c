/* t07_winsock: a TCP beacon. argv[1] is a host name (resolved with gethostbyname, so a DNS
 * query is seen) and argv[2] a port. It connects, sends the 8 bytes SBXHELLO and prints what
 * the server answers (at most 64 bytes). */
#include <winsock2.h>
#include <windows.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_common.h"

static const char kTest[] = "t07_winsock";
static const char kBeacon[] = "SBXHELLO";

/* Bound the wait for the answer: a silent server must not hold the program. */
enum { kReceiveTimeoutMs = 10000 };

static int Beacon(const char* host, unsigned short port) {
  struct hostent* entry = gethostbyname(host);
  if (entry == NULL || entry->h_addrtype != AF_INET || entry->h_addr_list[0] == NULL) {
    return SbxFail(kTest, "gethostbyname", (unsigned long)WSAGetLastError());
  }
  struct sockaddr_in address;
  memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  memcpy(&address.sin_addr, entry->h_addr_list[0], sizeof(address.sin_addr));
  SbxMarkText(kTest, "resolved", inet_ntoa(address.sin_addr));

  SOCKET sock = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (sock == INVALID_SOCKET) return SbxFail(kTest, "socket", (unsigned long)WSAGetLastError());
  /* Best effort: without the timeout recv would only wait longer. */
  DWORD timeout = kReceiveTimeoutMs;
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, (const char*)&timeout, sizeof(timeout));
  if (connect(sock, (const struct sockaddr*)&address, sizeof(address)) != 0) {
    int error = WSAGetLastError();
    closesocket(sock);
    return SbxFail(kTest, "connect", (unsigned long)error);
  }
  SbxMarkNumber(kTest, "connected", port);
  int length = (int)(sizeof(kBeacon) - 1);
  if (send(sock, kBeacon, length, 0) != length) {
    int error = WSAGetLastError();
    closesocket(sock);
    return SbxFail(kTest, "send", (unsigned long)error);
  }
  char answer[65];
  int got = recv(sock, answer, (int)sizeof(answer) - 1, 0);
  closesocket(sock);
  if (got <= 0) return SbxFail(kTest, "recv", (unsigned long)WSAGetLastError());
  answer[got] = '\0';
  SbxMarkText(kTest, "received", answer);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 3) return SbxFail(kTest, "usage_host_port_arguments", (unsigned long)argc);
  long port = strtol(argv[2], NULL, 10);
  if (port <= 0 || port > 65535) return SbxFail(kTest, "port_argument", (unsigned long)port);

  WSADATA wsa;
  int status = WSAStartup(MAKEWORD(2, 2), &wsa);
  if (status != 0) return SbxFail(kTest, "wsastartup", (unsigned long)status);
  int result = Beacon(argv[1], (unsigned short)port);
  WSACleanup();
  if (result != 0) return result;
  SbxDone(kTest);
  return 0;
}
