// Command consume-predictions reads Tidewater's predictions with confluent-kafka-go and its Schema
// Registry Avro deserializer, and prints one line per prediction: event id, model version, score,
// label, the trace id from traceparent and the writer schema id (-json for JSON lines).
//
// The struct below is the reader: fields a newer, compatible prediction schema adds are skipped.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
)

// Prediction holds the fields of schemas/prediction.avsc this consumer uses.
type Prediction struct {
	EventID      string  `avro:"event_id" json:"event_id"`
	EntityKey    string  `avro:"entity_key" json:"entity_key"`
	ModelName    string  `avro:"model_name" json:"model_name"`
	ModelVersion string  `avro:"model_version" json:"model_version"`
	Score        float64 `avro:"score" json:"score"`
	Label        bool    `avro:"label" json:"label"`
}

func main() {
	brokers := flag.String("bootstrap-servers", "127.0.0.1:9092", "Kafka bootstrap servers")
	registryURL := flag.String("schema-registry", "http://127.0.0.1:8081", "schema registry URL")
	topic := flag.String("topic", "predictions", "topic to read")
	group := flag.String("group", fmt.Sprintf("predictions-reader-go-%d", time.Now().UnixNano()), "consumer group")
	maxMessages := flag.Int("max-messages", 0, "stop after this many (0: no limit)")
	idle := flag.Duration("idle", 10*time.Second, "stop after this long without a record")
	asJSON := flag.Bool("json", false, "print one JSON line per prediction")
	flag.Parse()
	if err := run(*brokers, *registryURL, *topic, *group, *maxMessages, *idle, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(brokers, registryURL, topic, group string, maxMessages int, idle time.Duration, asJSON bool) error {
	client, err := schemaregistry.NewClient(schemaregistry.NewConfig(registryURL))
	if err != nil {
		return err
	}
	deser, err := avrov2.NewDeserializer(client, serde.ValueSerde, avrov2.NewDeserializerConfig())
	if err != nil {
		return err
	}
	consumer, err := kafka.NewConsumer(&kafka.ConfigMap{
		"bootstrap.servers":  brokers,
		"group.id":           group,
		"auto.offset.reset":  "earliest",
		"isolation.level":    "read_committed",
		"enable.auto.commit": true,
	})
	if err != nil {
		return err
	}
	defer consumer.Close()
	if err := consumer.SubscribeTopics([]string{topic}, nil); err != nil {
		return err
	}
	count := 0
	last := time.Now()
	for (maxMessages == 0 || count < maxMessages) && time.Since(last) < idle {
		msg, err := consumer.ReadMessage(500 * time.Millisecond)
		if err != nil {
			if kerr, ok := err.(kafka.Error); ok && kerr.IsTimeout() {
				continue
			}
			return err
		}
		last = time.Now()
		var p Prediction
		if err := deser.DeserializeInto(*msg.TopicPartition.Topic, msg.Value, &p); err != nil {
			return fmt.Errorf("offset %v: %w", msg.TopicPartition, err)
		}
		line := struct {
			Prediction
			TraceID   string `json:"trace_id"`
			SchemaID  uint32 `json:"schema_id"`
			Partition int32  `json:"partition"`
			Offset    int64  `json:"offset"`
		}{p, traceID(msg.Headers), binary.BigEndian.Uint32(msg.Value[1:5]), msg.TopicPartition.Partition, int64(msg.TopicPartition.Offset)}
		if asJSON {
			out, _ := json.Marshal(line)
			fmt.Println(string(out))
		} else {
			fmt.Printf("event_id=%s model_version=%s score=%.4f label=%t trace_id=%s schema_id=%d\n",
				p.EventID, p.ModelVersion, p.Score, p.Label, line.TraceID, line.SchemaID)
		}
		count++
	}
	fmt.Fprintf(os.Stderr, "read %d predictions from %s\n", count, topic)
	return nil
}

// traceID returns the trace id of a W3C traceparent header (version-traceid-spanid-flags).
func traceID(headers []kafka.Header) string {
	for _, h := range headers {
		if h.Key == "traceparent" {
			if parts := strings.Split(string(h.Value), "-"); len(parts) == 4 {
				return parts[1]
			}
		}
	}
	return ""
}
