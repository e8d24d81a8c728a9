#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_MAX 4096

bool gw_secret_check_file(const char *path, const char **reason)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*reason = errno == ENOENT ? "secret file does not exist" : "secret file cannot be read";
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		*reason = "secret file is not a regular file";
		return false;
	}
	if (st.st_mode & 077) {
		*reason = "secret file must have mode 0600 (readable by its owner only)";
		return false;
	}
	if (st.st_size > SECRET_MAX) {
		*reason = "secret file is too large";
		return false;
	}
	return true;
}

static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

int gw_secret_read(const char *path, struct gw_secret *out, const char **reason)
{
	char buf[SECRET_MAX + 1];
	ssize_t n;
	size_t len = 0;
	int fd, err = 0;
	struct stat st;

	*out = (struct gw_secret){0};
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*reason = "secret file cannot be opened";
		return -errno;
	}
	/* Check the file we opened, not the name, so a swap cannot slip by. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		*reason = "secret file must be a regular file with mode 0600";
		err = -EPERM;
		goto out_close;
	}
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		*reason = "secret file cannot be read";
		err = -errno;
		goto out_close;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0) {
		*reason = "secret file is empty";
		err = -EINVAL;
		goto out_close;
	}
	out->data = malloc(len + 1);
	if (!out->data) {
		err = -ENOMEM;
		goto out_close;
	}
	memcpy(out->data, buf, len);
	out->data[len] = '\0';
	out->len = len;
out_close:
	wipe(buf, sizeof(buf));
	close(fd);
	return err;
}

void gw_secret_clear(struct gw_secret *s)
{
	if (s->data) {
		wipe(s->data, s->len);
		free(s->data);
	}
	*s = (struct gw_secret){0};
}
