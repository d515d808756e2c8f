#pragma once
// Kensa's status codes mirror gRPC's numbering (kensa/core/status.h), so the conversion in
// both directions is one cast; this is the one place it happens.

#include <grpcpp/support/status.h>

#include "kensa/core/status.h"

namespace kensa::service_runtime {

inline grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
}

inline Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return Status::Ok();
  return Status(static_cast<StatusCode>(status.error_code()), status.error_message());
}

}  // namespace kensa::service_runtime
