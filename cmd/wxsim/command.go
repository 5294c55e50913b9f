package main

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/mpkit/wechat"
	"github.com/mpkit/wechat/wechattest"
)

// command is what the arguments after the flags ask for: the URL check
// or a message push.
type command struct {
	verify bool
	msg    *wechat.Message
}

// defaultScale is the map zoom of a location message without SCALE.
const defaultScale = 15

// voiceFormat is the Format of a voice message: WeChat's recordings are
// AMR.
const voiceFormat = "amr"

// events are the event names WeChat sends; `event click` finds CLICK.
var events = []wechat.EventType{
	wechat.EventSubscribe, wechat.EventUnsubscribe, wechat.EventScan, wechat.EventLocation,
	wechat.EventClick, wechat.EventView, wechat.EventScanCodePush, wechat.EventScanCodeWaitMsg,
	wechat.EventPicSysPhoto, wechat.EventPicPhotoOrAlbum, wechat.EventPicWeixin,
	wechat.EventLocationSelect, wechat.EventViewMiniProgram,
	wechat.EventTemplateSendJobFinish, wechat.EventMassSendJobFinish, wechat.EventPublishJobFinish,
	wechat.EventSubscribeMsgPopup, wechat.EventSubscribeMsgChange, wechat.EventSubscribeMsgSent,
	wechat.EventKfCreateSession, wechat.EventKfCloseSession, wechat.EventKfSwitchSession,
}

// parseCommand turns COMMAND [ARGS] into what to send.
func parseCommand(args []string) (*command, error) {
	if len(args) == 0 {
		return nil, usagef("no command")
	}
	name, args := args[0], args[1:]
	var (
		msg *wechat.Message
		err error
	)
	switch name {
	case "verify":
		if err := arity(name, args, 0, 0); err != nil {
			return nil, err
		}
		return &command{verify: true}, nil
	case "text":
		if len(args) == 0 {
			return nil, usagef("text: missing CONTENT")
		}
		msg = wechattest.Text(strings.Join(args, " "))
	case "image":
		if err := arity(name, args, 1, 2); err != nil {
			return nil, err
		}
		msg = wechattest.Image(args[0], at(args, 1))
	case "voice":
		if len(args) == 0 {
			return nil, usagef("voice: missing MEDIAID")
		}
		msg = wechattest.Voice(args[0], voiceFormat, strings.Join(args[1:], " "))
	case "location":
		msg, err = parseLocation(args)
	case "link":
		if err := arity(name, args, 3, 3); err != nil {
			return nil, err
		}
		msg = wechattest.Link(args[0], args[1], args[2])
	case "event":
		msg, err = parseEvent(args)
	default:
		return nil, usagef("unknown command %q", name)
	}
	if err != nil {
		return nil, err
	}
	return &command{msg: msg}, nil
}

// parseLocation reads LAT LNG [SCALE [LABEL...]].
func parseLocation(args []string) (*wechat.Message, error) {
	if len(args) < 2 {
		return nil, usagef("location: want LAT LNG [SCALE [LABEL]]")
	}
	lat, lng, err := coordinates("location", args[0], args[1])
	if err != nil {
		return nil, err
	}
	scale := defaultScale
	if len(args) > 2 {
		if scale, err = strconv.Atoi(args[2]); err != nil || scale < 0 {
			return nil, usagef("location: SCALE %q is not a zoom level (a whole number such as 15)", args[2])
		}
	}
	var label string
	if len(args) > 3 {
		label = strings.Join(args[3:], " ")
	}
	return wechattest.Location(lat, lng, scale, label), nil
}

// parseEvent reads NAME [ARGS] of the event command.
func parseEvent(args []string) (*wechat.Message, error) {
	if len(args) == 0 {
		return nil, usagef("event: missing the event name (subscribe, unsubscribe, click, view, scan, location, …)")
	}
	event, args := eventType(args[0]), args[1:]
	name := "event " + strings.ToLower(string(event))
	switch event {
	case wechat.EventSubscribe:
		if err := arity(name, args, 0, 1); err != nil {
			return nil, err
		}
		var key string
		if len(args) == 1 {
			key = "qrscene_" + args[0]
		}
		return wechattest.Event(event, key), nil
	case wechat.EventUnsubscribe:
		if err := arity(name, args, 0, 0); err != nil {
			return nil, err
		}
		return wechattest.Event(event, ""), nil
	case wechat.EventClick, wechat.EventView, wechat.EventScan:
		if err := arity(name, args, 1, 1); err != nil {
			return nil, err
		}
		return wechattest.Event(event, args[0]), nil
	case wechat.EventLocation:
		if err := arity(name, args, 2, 3); err != nil {
			return nil, err
		}
		lat, lng, err := coordinates(name, args[0], args[1])
		if err != nil {
			return nil, err
		}
		var precision float64
		if len(args) == 3 {
			if precision, err = strconv.ParseFloat(args[2], 64); err != nil || precision < 0 || math.IsInf(precision, 0) {
				return nil, usagef("%s: PRECISION %q is not a distance in metres", name, args[2])
			}
		}
		m := wechattest.Event(event, "")
		m.Latitude, m.Longitude, m.Precision = lat, lng, precision
		return m, nil
	}

	if err := arity(name, args, 0, 1); err != nil {
		return nil, err
	}
	m := wechattest.Event(event, at(args, 0))
	xml, err := m.XML()
	if err != nil {
		return nil, usagef("%s: %v", name, trimPrefix(err.Error()))
	}
	if m.EventKey != "" && !bytes.Contains(xml, []byte("<EventKey>")) {
		// A documented event without an EventKey field: WeChat never
		// sends one, so neither does wxsim.
		return nil, usagef("%s carries no EventKey", name)
	}
	return m, nil
}

// eventType returns the event called name, in WeChat's spelling when it
// is one of the documented events (click gives CLICK), else as typed.
func eventType(name string) wechat.EventType {
	for _, e := range events {
		if strings.EqualFold(string(e), name) {
			return e
		}
	}
	return wechat.EventType(name)
}

// coordinates parses a latitude and a longitude in degrees.
func coordinates(cmd, lat, lng string) (float64, float64, error) {
	x, err := strconv.ParseFloat(lat, 64)
	if err != nil || math.IsNaN(x) || x < -90 || x > 90 {
		return 0, 0, usagef("%s: LAT %q is not a latitude (degrees, -90 to 90)", cmd, lat)
	}
	y, err := strconv.ParseFloat(lng, 64)
	if err != nil || math.IsNaN(y) || y < -180 || y > 180 {
		return 0, 0, usagef("%s: LNG %q is not a longitude (degrees, -180 to 180)", cmd, lng)
	}
	return x, y, nil
}

// arity checks that cmd got min to max arguments.
func arity(cmd string, args []string, min, max int) error {
	switch {
	case len(args) < min:
		return usagef("%s: missing arguments (want %s)", cmd, want(min, max))
	case len(args) > max:
		return usagef("%s: too many arguments (want %s)", cmd, want(min, max))
	}
	return nil
}

func want(min, max int) string {
	switch {
	case min == max:
		return strconv.Itoa(min)
	case min == 0 && max == 1:
		return "at most 1"
	}
	return strconv.Itoa(min) + " to " + strconv.Itoa(max)
}

// at returns args[i], or "" past the end.
func at(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}
