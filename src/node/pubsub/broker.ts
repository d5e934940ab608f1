/**
 * The contract between a server's topics and whatever carries published messages beyond it:
 * other servers in the process ({@link LocalBroker}), other workers (the cluster bridge),
 * other machines (`RedisBroker` from `wirekit/redis`).
 *
 * A server subscribes its {@link BrokerSink} to a topic when the topic gets its first local
 * subscriber and unsubscribes when the last one leaves; a broker counts these per topic, so
 * one upstream subscription serves every server of the process. A publish reaches every sink
 * subscribed to the topic except its `origin`: the publishing server has already delivered
 * the message to its own subscribers, and must not deliver it twice.
 *
 * Delivery is at most once and ordered per publisher: messages one server publishes to a
 * topic reach every other sink in publish order; a broker that loses its connection says in
 * its documentation what happens to messages published meanwhile.
 */

/** Where a broker delivers messages published elsewhere: a server's topics. */
export interface BrokerSink {
  /** A message another publisher sent to `topic`; `data` is valid during the call only. */
  deliver(topic: string, data: Uint8Array, isBinary: boolean): void;
}

/** Carries published messages between servers, workers or processes. */
export interface Broker {
  /** Deliver messages published to `topic` to `sink` from now on (counted per call). */
  subscribe(topic: string, sink: BrokerSink): void;
  /** Undo one {@link subscribe} of `sink` to `topic`. */
  unsubscribe(topic: string, sink: BrokerSink): void;
  /**
   * Send a message to every sink subscribed to `topic` except `origin`. `data` is valid during
   * the call only: a broker that keeps it copies it. Throws `ERR_PUBSUB_REFUSED` for a message
   * over the broker's size limit or past its queue's limit, before anything is sent.
   */
  publish(topic: string, data: Uint8Array, isBinary: boolean, origin: BrokerSink): void;
  /** Stop: drop every subscription and release connections. */
  close(): Promise<void>;
}
