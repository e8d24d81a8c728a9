#include "hmac_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_key(int fd, uint8_t *key, const char **reason)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		*reason = "cannot stat the user_hash key";
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		*reason = "the user_hash key must be a regular file with mode 0600";
		return -EPERM;
	}
	n = read(fd, key, GW_HMAC_KEY_LEN);
	if (n != GW_HMAC_KEY_LEN || st.st_size != GW_HMAC_KEY_LEN) {
		*reason = "the user_hash key is not 32 bytes long";
		return -EINVAL;
	}
	return 0;
}

static int create_key(const char *dir, const char *path, uint8_t *key, const char **reason)
{
	char tmp[4096];
	int fd, rc = 0;

	if (getrandom(key, GW_HMAC_KEY_LEN, 0) != GW_HMAC_KEY_LEN) {
		*reason = "no random bytes for the user_hash key";
		return -EIO;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, GW_HMAC_KEY_FILE);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		*reason = "cannot create the user_hash key";
		return -errno;
	}
	/* written whole and synced before it takes the real name */
	if (write(fd, key, GW_HMAC_KEY_LEN) != GW_HMAC_KEY_LEN || fsync(fd) < 0)
		rc = -EIO;
	close(fd);
	if (rc == 0 && link(tmp, path) < 0)
		rc = -errno; /* EEXIST: another process made one first; read that */
	unlink(tmp);
	if (rc == 0) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	} else if (rc != -EEXIST) {
		*reason = "cannot write the user_hash key";
	}
	return rc;
}

int gw_hmac_key_load(const char *state_dir, uint8_t key[GW_HMAC_KEY_LEN], const char **reason)
{
	char path[4096];
	int fd, rc;

	*reason = "";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, GW_HMAC_KEY_FILE) >=
	    sizeof(path)) {
		*reason = "state directory path too long";
		return -ENAMETOOLONG;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		rc = create_key(state_dir, path, key, reason);
		if (rc != -EEXIST)
			return rc;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0) {
		*reason = "cannot open the user_hash key";
		return -errno;
	}
	rc = read_key(fd, key, reason);
	close(fd);
	return rc;
}
