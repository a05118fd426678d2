/* Test tool: listens on a unix datagram socket like systemd's
 * NOTIFY_SOCKET and prints each message until one contains the wanted
 * string or the timeout passes (exit 0 found, 1 timeout). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: notify_listen SOCKET_PATH WANTED TIMEOUT_S\n");
        return 2;
    }
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof sa.sun_path)
        return 2;
    strcpy(sa.sun_path, argv[1]);
    unlink(argv[1]);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa)) {
        perror("notify_listen");
        return 2;
    }
    chmod(argv[1], 0777); /* the notifier may run as another user */
    int timeout_ms = atoi(argv[3]) * 1000;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0)
            return 1;
        char buf[1024];
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n < 0)
            return 1;
        buf[n] = '\0';
        printf("%s\n", buf);
        fflush(stdout);
        if (strstr(buf, argv[2]))
            return 0;
    }
}
