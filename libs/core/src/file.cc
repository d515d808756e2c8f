#include "kensa/core/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kensa {
namespace {

std::string Describe(const std::string& path, int error) {
  return path + ": " + std::strerror(error);
}

}  // namespace

Result<Bytes> ReadFileBounded(const std::string& path, std::uint64_t max_bytes) {
  // POSIX calls rather than std::filesystem/ifstream: they report errno precisely and never throw.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) return NotFoundError("no such file: " + path);
    if (error == EACCES || error == EPERM) return PermissionDeniedError("cannot read (permission denied): " + path);
    return UnavailableError("cannot open " + Describe(path, error));
  }
  struct ::stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return UnavailableError("cannot stat " + Describe(path, error));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return InvalidArgumentError("not a regular file: " + path);
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size > max_bytes) {
    ::close(fd);
    return ResourceExhaustedError("file is " + std::to_string(size) + " bytes, over the limit of " +
                                  std::to_string(max_bytes) + ": " + path);
  }
  Bytes data(static_cast<std::size_t>(size));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return UnavailableError("read failed: " + Describe(path, error));
    }
    if (n == 0) break;  // The file shrank while we read it; keep what was there.
    done += static_cast<std::size_t>(n);
  }
  data.resize(done);
  ::close(fd);
  return data;
}

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return UnavailableError("cannot create " + Describe(temporary, errno));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return UnavailableError("write failed: " + Describe(temporary, error));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return UnavailableError("cannot write " + Describe(path, error));
  }
  return Status::Ok();
}

}  // namespace kensa
