internal import NIOCore

/// A client's connection lifecycle: idle → connecting → connected → (dropped) idle, with an
/// exponential backoff that gates new attempts after a failure.
struct ConnectionState {
    private enum Phase {
        case idle
        case connecting(EventLoopFuture<any Channel>)
        case connected(any Channel)
    }

    enum Action {
        case use(any Channel)
        case wait(EventLoopFuture<any Channel>)
        /// Start connecting and complete this promise; others wait on its future meanwhile.
        case connect(EventLoopPromise<any Channel>)
        /// Backing off; the next attempt is allowed after this much time.
        case refuse(remaining: TimeAmount)
    }

    private var phase: Phase = .idle
    private let initialBackoff: TimeAmount
    private var backoff: TimeAmount
    private var nextAttempt: NIODeadline = .uptimeNanoseconds(0)

    init(initialBackoff: Duration) {
        self.initialBackoff = TimeAmount(initialBackoff)
        self.backoff = TimeAmount(initialBackoff)
    }

    /// What a caller needing the channel must do. Never connects itself: connecting under the
    /// caller's lock could complete inline on an event loop and re-enter that lock.
    mutating func nextAction(eventLoop: @autoclosure () -> any EventLoop) -> Action {
        switch self.phase {
        case .connected(let channel) where channel.isActive:
            return .use(channel)
        case .connecting(let future):
            return .wait(future)
        case .idle, .connected:
            let now = NIODeadline.now()
            guard now >= self.nextAttempt else { return .refuse(remaining: self.nextAttempt - now) }
            let promise = eventLoop().makePromise(of: (any Channel).self)
            self.phase = .connecting(promise.futureResult)
            return .connect(promise)
        }
    }

    mutating func connectionAttemptEnded(_ result: Result<any Channel, any Error>, maximumBackoff: Duration) {
        switch result {
        case .success(let channel):
            self.phase = .connected(channel)
            self.backoff = self.initialBackoff
            self.nextAttempt = .uptimeNanoseconds(0)
        case .failure:
            self.phase = .idle
            self.nextAttempt = .now() + self.backoff
            self.backoff = min(self.backoff * 2, TimeAmount(maximumBackoff))
        }
    }

    mutating func channelClosed(_ channel: any Channel) {
        if case .connected(let current) = self.phase, current === channel {
            self.phase = .idle
        }
    }

    /// How long a retry should wait before trying again.
    func delayBeforeNextAttempt() -> TimeAmount {
        max(self.nextAttempt - .now(), .zero)
    }

    mutating func takeChannel() -> (any Channel)? {
        defer { self.phase = .idle }
        if case .connected(let channel) = self.phase { return channel }
        return nil
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let components = duration.components
        self = .nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
    }
}
