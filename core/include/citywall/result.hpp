// The one way a call fails: a Result holds a value or an Error, and an Error has a kind (what
// sort of failure, for code that decides what to do) and a message (for a person: it names the
// file, the line, the key, the department). Outside input never throws through our APIs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace citywall {

enum class ErrorKind : std::uint8_t {
    invalid,      // input that breaks the rules: a config value, a message, a key, a map layer
    not_found,    // a file, a layer, an incident that is not there
    io,           // the system failed: read, write, fsync, bind, connect
    refused,      // someone lacks the right: a key, a role, a damaged journal not yet accepted
    damaged,      // stored data is broken: a journal segment, a checkpoint
    unsupported,  // a version or a feature this build does not have
};

constexpr std::string_view describe(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::invalid:
            return "invalid";
        case ErrorKind::not_found:
            return "not found";
        case ErrorKind::io:
            return "i/o";
        case ErrorKind::refused:
            return "refused";
        case ErrorKind::damaged:
            return "damaged";
        case ErrorKind::unsupported:
            return "unsupported";
    }
    return "error";
}

struct Error {
    ErrorKind kind = ErrorKind::invalid;
    std::string message;
};

// A value, or the Error there is none. `return value;`, `return Error{kind, "why"};`, or pass an
// inner failure on with what it was about: `return inner.because("journal: ");`, or unchanged
// when there is nothing to add: `return inner.error_value();`.
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : value_(std::move(value)) {}
    Result(Error error) : error_(std::move(error)) {}
    static Result failure(ErrorKind kind, std::string message) {
        return Error{kind, std::move(message)};
    }

    explicit operator bool() const { return value_.has_value(); }
    bool ok() const { return value_.has_value(); }
    T& operator*() { return *value_; }
    const T& operator*() const { return *value_; }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    const std::string& error() const { return error_.message; }
    ErrorKind error_kind() const { return error_.kind; }
    // This failure as it is, kind and message, to pass on unchanged.
    const Error& error_value() const { return error_; }
    // This failure, its message prefixed with what it was about.
    Error because(std::string_view context) const {
        return {error_.kind, std::string(context) + error_.message};
    }

  private:
    std::optional<T> value_;
    Error error_;
};

// Done, or the Error why not: for calls that have nothing to return.
template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}
    static Result failure(ErrorKind kind, std::string message) {
        return Error{kind, std::move(message)};
    }

    explicit operator bool() const { return !failed_; }
    bool ok() const { return !failed_; }
    const std::string& error() const { return error_.message; }
    ErrorKind error_kind() const { return error_.kind; }
    const Error& error_value() const { return error_; }
    Error because(std::string_view context) const {
        return {error_.kind, std::string(context) + error_.message};
    }

  private:
    Error error_;
    bool failed_ = false;
};

}  // namespace citywall
